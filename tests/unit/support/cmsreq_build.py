#!/usr/bin/python3
"""The name test_custodian_cmsreq.c runs: cms_build.py's build, foreign and
forge commands (one command line over tests/integration/cms_build.py; see
cms_build.py --help). Run as a script, not imported: both builders are named
cms_build."""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent / "cms_build.py"), run_name="__main__")
