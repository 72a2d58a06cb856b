"""`uam sink` itself: the Kafka consumer, the schedule loop, releases and metrics around the
pure sink (`uam_events.sink`). Why a package of its own: docs/decisions/sink.md ("Runner")."""
