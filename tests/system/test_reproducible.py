"""Two builds of the image from the same tree give the same bytes."""
import hashlib
import os
import shutil

from conftest import BUILD, IMAGE, TOP, run


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_image_builds_are_identical(tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    out = []
    for name in ("a", "b"):
        d = tmp_path / name
        d.mkdir()
        shutil.copytree(IMAGE / "kernel", d / "kernel")
        run(TOP / "image" / "build-image.sh", BUILD, d, env=env, timeout=300)
        out.append(d)
    for f in ("root.squashfs", "initramfs.cpio.gz", "vmlinuz"):
        assert digest(out[0] / f) == digest(out[1] / f), f
