# Tayori tasks. `just --list` shows them.

# run the appliance on the embedded default profile (README's first command)
run:
    ./scripts/appliance

# the default test suite: ruff, mypy, pytest (README's second command)
test *ARGS:
    ./scripts/test {{ARGS}}

# lint and type-check only
lint:
    ./scripts/bootstrap
    .venv/bin/ruff check .
    .venv/bin/mypy -p tayori.profiles
    .venv/bin/mypy -p tayori.compiler -p tayori.appliance -p tayori.runtime

# benchmarks, side by side with peers; writes bench/results/
bench:
    ./scripts/bootstrap
    .venv/bin/python bench/run.py

# long reliability runs (kill -9 rounds, soak); writes bench/results/
soak:
    ./scripts/bootstrap
    .venv/bin/python bench/soak.py

# build the container image (offline base image first when missing)
image:
    ./scripts/build-image

# regenerate the profile schema and field reference from the model
docs:
    ./scripts/gen-legacy-map
