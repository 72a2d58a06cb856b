# The uam-events image: the `uam` command (workers, topics, produce, replay).
# The build stage compiles the core with mypyc (setup.py, UAM_COMPILE=1); the image ships the
# wheel, without the compiler. `docker run IMAGE version` names the core's build.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY uam_events ./uam_events
COPY streams ./streams
RUN UAM_COMPILE=1 pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels && useradd --create-home uam
USER uam
ENTRYPOINT ["uam"]
