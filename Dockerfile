# parade-bot image: a slim Python base, dependencies built in a first stage, run as a non-root user.
# Build: docker build -t parade-bot .   Run: README, "Running in production".
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY adapters /src/adapters
RUN /opt/venv/bin/pip install '/src[postgres]'

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PARADE_CONFIG=/app/config/container.yaml
RUN useradd --system --uid 10001 --create-home --home-dir /home/parade parade \
    && mkdir -p /data && chown parade /data
COPY --from=build /opt/venv /opt/venv
COPY seeds /app/seeds
COPY config/container.yaml /app/config/container.yaml
USER parade
WORKDIR /home/parade
VOLUME ["/data"]
# 3000: Slack HTTP mode ($PORT); 9100: /metrics, /healthz, /readyz.
EXPOSE 3000 9100
# Liveness: the process answers. (/readyz is for load balancers: a revoked token makes it 503, and a
# restart would not fix that.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9100/healthz', timeout=4)"]
# With no subcommand the bot runs on the platform whose token is set (DISCORD_TOKEN, SLACK_BOT_TOKEN).
ENTRYPOINT ["parade-bot", "--log-format", "json"]
