"""The book as a website: the glue that turns README, the notebooks and docs/ into a static site.

`make book` runs `mkdocs build` (mkdocs.yml at the top of the repository); mkdocs loads
`book/hooks.py`, which uses the modules here. Nothing here imports `ddpg_numpy`: the package is
read as text (its source pages, the definitions code cells link to), never executed, and the
notebooks are rendered from their committed outputs.
"""
