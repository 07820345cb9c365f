"""Build orchestration: the session both pipelines use, kit builds, the cache, the fast
path, the build lock and the only writer."""
