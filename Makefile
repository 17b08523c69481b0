# Two commands do everything on a fresh machine (see README.md):
#   make demo   set up .venv, train DDPG on Pendulum-v1, write its figures to figures/
#   make test   set up .venv, then ruff, the unit tests and every notebook (nbval)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
RUN    ?= runs/demo
EPISODES ?= 50
# One BLAS thread: the networks are small and the environment needs the other core.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export SDL_VIDEODRIVER ?= dummy

.PHONY: setup demo test lint figures bench clean

setup: $(VENV)/.installed

# MuJoCo draws GIFs (render) without a screen through EGL: on Debian/Ubuntu libegl1 and libgl1
# (libegl1 alone brings no renderer; libgl1 brings Mesa's). Installed with apt-get where missing;
# where that fails, render says what to install.
HEADLESS_GL ?= libegl1 libgl1

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,notebooks,mujoco,stats,ray]"
	! command -v dpkg >/dev/null || dpkg -s $(HEADLESS_GL) >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq $(HEADLESS_GL) >/dev/null; } || \
	  echo "setup: could not install $(HEADLESS_GL) with apt-get: MuJoCo GIFs need them"
	touch $@

# Trains (or resumes an interrupted demo run), then evaluates on $(EPISODES) fixed starts and
# draws the learning curve and a GIF. For Pendulum-v1 the command line prints every return next
# to the optimum on the same starts, draws the optimum on the curve and starts the GIF from the
# evaluation start hanging lowest (a swing-up), all from checkpoints/pendulum_optimal.npz.
demo: setup
	if [ -f $(RUN)/checkpoint.npz ]; then \
	  $(PY) -m ddpg_numpy train --out $(RUN) --resume; \
	else \
	  $(PY) -m ddpg_numpy train --env Pendulum-v1 --steps 20000 --seed 0 --out $(RUN); \
	fi
	$(PY) -m ddpg_numpy evaluate $(RUN)/agent.npz --episodes $(EPISODES)
	$(PY) -m ddpg_numpy plot $(RUN) --out figures/demo_learning_curve.png
	$(PY) -m ddpg_numpy render $(RUN)/agent.npz --gif figures/demo_pendulum.gif

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

# Speed (medians of repeats; PyTorch columns only if torch is installed).
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
