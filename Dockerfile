FROM python:3.11-slim
COPY --from=ghcr.io/astral-sh/uv:0.9.30 /uv /bin/uv
# The auditor's pack renders its PDF with WeasyPrint: Pango, HarfBuzz's subsetter and a font to embed.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY domain domain
COPY api api
COPY projections projections
COPY infra infra
COPY usecases usecases
COPY ansvar ansvar
RUN uv sync --frozen --no-dev
ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8000
CMD ["ansvar", "serve", "--host", "0.0.0.0"]
