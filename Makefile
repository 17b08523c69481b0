# Two commands do everything on a fresh machine (see README.md):
#   make demo   set up .venv, train DDPG on Pendulum-v1, write its figures to figures/
#   make test   set up .venv, then ruff, the unit tests and every notebook (nbval)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
RUN    ?= runs/demo
EPISODES ?= 50
TRUTH  := checkpoints/pendulum_optimal.npz
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

# The optimal controller (dynamic programming, $(TRUTH)) on the same evaluation starts as a
# printed return: `python -c "$(OPTIMUM_PY)" N` for the first N starts, or RUN_FOLDER for the
# starts of that run's own evaluations (its config.json).
OPTIMUM_PY = import json, sys; from pathlib import Path; \
from ddpg_numpy.pendulum import load_ground_truth; \
arg = sys.argv[1]; n = int(arg) if arg.isdigit() else \
json.loads((Path(arg) / 'config.json').read_text())['config']['eval_episodes']; \
returns = load_ground_truth('$(TRUTH)').eval_returns; \
print(f'  optimum on these {n} starts (DP): {returns[:n].mean():.1f}' if n <= len(returns) else \
f'  (the optimum is known for the first {len(returns)} evaluation starts only)')
# The learning curve with the optimum on the run's evaluation starts drawn as a dashed line.
CURVE_PY = import json; from pathlib import Path; \
from ddpg_numpy.pendulum import load_ground_truth; from ddpg_numpy.plots import plot_runs, save_figure; \
n = json.loads(Path('$(RUN)/config.json').read_text())['config']['eval_episodes']; \
optimum = load_ground_truth('$(TRUTH)').eval_returns[:n].mean(); \
fig = plot_runs(['$(RUN)'], labels=['DDPG, preset'], \
reference_lines={f'optimal (DP) on these {n} starts, {optimum:.1f}': optimum}); \
print('wrote', save_figure(fig, 'figures/demo_learning_curve.png'))
# The evaluation start farthest from upright (largest |θ|), so that the GIF shows a swing-up:
# prints its reset seed, its θ and the optimum's return from it.
HANGING_PY = import numpy as np; from ddpg_numpy.pendulum import angle_normalize, load_ground_truth; \
truth = load_ground_truth('$(TRUTH)'); theta = angle_normalize(truth.eval_starts[:$(EPISODES), 0]); \
i = int(np.argmax(np.abs(theta))); \
print(truth.eval_seed_base + i, f'{theta[i]:+.2f}', f'{truth.eval_returns[i]:.1f}')

# Trains (or resumes an interrupted demo run), then evaluates on $(EPISODES) fixed starts and
# draws the learning curve and a GIF; every return is printed next to the optimum on its starts.
demo: setup
	if [ -f $(RUN)/checkpoint.npz ]; then \
	  $(PY) -m ddpg_numpy train --out $(RUN) --resume; \
	else \
	  $(PY) -m ddpg_numpy train --env Pendulum-v1 --steps 20000 --seed 0 --out $(RUN); \
	fi
	@$(PY) -c "$(OPTIMUM_PY)" $(RUN)
	$(PY) -m ddpg_numpy evaluate $(RUN)/agent.npz --episodes $(EPISODES)
	@$(PY) -c "$(OPTIMUM_PY)" $(EPISODES)
	@$(PY) -c "$(CURVE_PY)"
	@set -- $$($(PY) -c "$(HANGING_PY)"); \
	echo "GIF: from the evaluation start farthest from upright, reset(seed=$$1), θ = $$2 rad;"; \
	echo "  the optimum's return from it (DP): $$3; DDPG's is written under the last frame"; \
	$(PY) -m ddpg_numpy render $(RUN)/agent.npz --seed $$1 --gif figures/demo_pendulum.gif

lint: setup
	$(PY) -m ruff check .

# The notebooks run as a reader runs them, without the thread variables exported above: each
# pins one BLAS thread in its first cell, and their checked outputs must hold without help.
test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 tests
	env -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS $(PY) -m pytest -n 2 --dist loadfile --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks

figures: setup
	$(PY) -m ddpg_numpy figures --out figures

# Speed (issue figures: medians of repeats; PyTorch columns only if torch is installed).
bench: setup
	$(PY) benchmarks/update_speed.py --rounds 5 --seconds 0.5 --figure figures/update_speed.png
	$(PY) benchmarks/end_to_end.py
	$(PY) benchmarks/learning.py

clean:
	rm -rf $(VENV) runs *.egg-info

# The book as a website (README: "The book as a website"). book: site/, built offline from
# the committed notebooks (never executed). book-test: Chromium (installed with apt-get when
# missing; the test says it is skipped if that fails) opens every page; screenshots go to
# site-screenshots/.
.PHONY: book book-test
BOOK_SITE ?= site

$(VENV)/.book-installed: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[book]"
	touch $@

book: setup $(VENV)/.book-installed
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --quiet --clean --site-dir $(BOOK_SITE)

book-test: book
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	  echo "book-test: could not install chromium and chromium-driver with apt-get"
	BOOK_SITE=$(BOOK_SITE) $(PY) -m pytest -q -rs tests/test_book.py
