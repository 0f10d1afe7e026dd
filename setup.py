"""Which packages the wheel holds; everything else about the project is in pyproject.toml.

Packages are found, never listed: every subpackage of ``ombudsman_cli`` goes in as it appears. The
templates the team edits live at the top level (``letter_templates/``) and are shipped as the package
``ombudsman_cli.letter_templates``, every file in them, whatever its name (pyproject.toml cannot map a
folder from elsewhere into found packages, hence this file). ``tests/test_packaging.py`` builds the wheel
and checks it against the source tree.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["ombudsman_cli", "ombudsman_cli.*"], exclude=["*.__pycache__"]),
        "ombudsman_cli.letter_templates",
    ],
    package_dir={"ombudsman_cli.letter_templates": "letter_templates"},
    package_data={"ombudsman_cli": ["data/*"], "ombudsman_cli.letter_templates": ["**/*"]},
    exclude_package_data={"": ["__pycache__/*", "*.pyc", "**/__pycache__/*"]},
)
