FROM python:3.11-slim
COPY --from=ghcr.io/astral-sh/uv:0.9.30 /uv /bin/uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY domain domain
COPY api api
COPY projections projections
COPY infra infra
RUN uv sync --frozen --no-dev
ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8000
CMD ["ansvar", "serve", "--host", "0.0.0.0"]
