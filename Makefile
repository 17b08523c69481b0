# Two commands do everything on a fresh machine (see README.md):
#   make demo   set up .venv, train DDPG on Pendulum-v1, write its figures to figures/
#   make test   set up .venv, then ruff, the unit tests and every notebook (nbval)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
RUN    ?= runs/demo
# One BLAS thread: the networks are small and the environment needs the other core.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export SDL_VIDEODRIVER ?= dummy

.PHONY: setup demo test lint figures bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,notebooks,mujoco]"
	touch $@

# Trains (or resumes an interrupted demo run), then draws the learning curve and a GIF.
demo: setup
	if [ -f $(RUN)/checkpoint.npz ]; then \
	  $(PY) -m ddpg_numpy train --out $(RUN) --resume; \
	else \
	  $(PY) -m ddpg_numpy train --env Pendulum-v1 --steps 20000 --seed 0 --out $(RUN); \
	fi
	$(PY) -m ddpg_numpy evaluate $(RUN)/agent.npz --episodes 50
	$(PY) -m ddpg_numpy plot $(RUN) --out figures/demo_learning_curve.png
	$(PY) -m ddpg_numpy render $(RUN)/agent.npz --gif figures/demo_pendulum.gif

lint: setup
	$(PY) -m ruff check .

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 tests
	$(PY) -m pytest -n 2 --dist loadfile --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks

figures: setup
	$(PY) -m ddpg_numpy figures --out figures

# Speed (issue figures: medians of repeats; PyTorch columns only if torch is installed).
bench: setup
	$(PY) benchmarks/update_speed.py --rounds 5 --seconds 0.5 --figure figures/update_speed.png
	$(PY) benchmarks/end_to_end.py
	$(PY) benchmarks/learning.py

clean:
	rm -rf $(VENV) runs *.egg-info
