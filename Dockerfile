# Dropout Lab: the Streamlit app on port 8501.
#   CPU (default):  docker build -t dropout-lab . && docker run --rm -p 8501:8501 dropout-lab
#   NVIDIA GPU:     docker build --build-arg JAX_EXTRA=cuda12 -t dropout-lab:cuda .
#                   docker run --rm --gpus all -p 8501:8501 dropout-lab:cuda
# The cuda12 wheels bring their own CUDA libraries; the host needs only the NVIDIA driver and the
# NVIDIA Container Toolkit.
FROM python:3.11-slim

# Empty: CPU-only JAX from requirements.txt. "cuda12": also jax[cuda12] at the same pinned version.
ARG JAX_EXTRA=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# A fixed low uid (no huge lastlog entry); the code stays root-owned, so the app cannot rewrite it.
RUN groupadd --gid 1000 dropout \
    && useradd --uid 1000 --gid 1000 --create-home --shell /usr/sbin/nologin dropout

# Requirements first: code edits then rebuild only the layers below.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt \
    && if [ -n "$JAX_EXTRA" ]; then pip install --no-cache-dir "jax[${JAX_EXTRA}]==0.10.2"; fi

COPY . .
# The translations: .po catalogs (in git) compiled to .mo.
RUN python scripts/catalogs.py compile

# Numeric, so that the runtime can check it is not root without reading /etc/passwd.
USER 1000:1000
EXPOSE 8501

# python:3.11-slim has no curl; the standard library asks Streamlit's own health endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4).read() != b'ok')"]

CMD ["streamlit", "run", "app.py", "--server.headless=true", "--server.address=0.0.0.0", "--server.port=8501", "--browser.gatherUsageStats=false"]
