"""nbval collects every notebook here except the student versions of the exercises, which are
meant to stop at the first unsolved exercise (tests/test_exercises.py checks that they do)."""

collect_ignore_glob = ["exercises/student/*.ipynb", ".ipynb_checkpoints/*"]
