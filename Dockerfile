# The uam-events image: the `uam` command (workers, topics, produce, replay).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY uam_events ./uam_events
COPY streams ./streams
RUN pip install --no-cache-dir . && useradd --create-home uam
USER uam
ENTRYPOINT ["uam"]
