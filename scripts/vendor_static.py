"""Copy the pinned front-end packages from the npm registry into static/vendor/.

Run ``python scripts/vendor_static.py`` after changing a version below; the files are committed,
so the portal never loads anything from a CDN. htmx itself comes with django-htmx.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"

# package: (version, [paths inside the package to keep])
PACKAGES: dict[str, tuple[str, list[str]]] = {
    "bootstrap": (
        "5.3.9",
        [
            "LICENSE",
            "dist/css/bootstrap.min.css",
            "dist/css/bootstrap.min.css.map",
            "dist/js/bootstrap.bundle.min.js",
            "dist/js/bootstrap.bundle.min.js.map",
        ],
    ),
    "bootstrap-icons": (
        "1.13.2",
        [
            "LICENSE",
            "font/bootstrap-icons.min.css",
            "font/fonts/bootstrap-icons.woff2",
            "font/fonts/bootstrap-icons.woff",
        ],
    ),
    "sortablejs": ("1.15.7", ["LICENSE", "Sortable.min.js"]),
    # The reports' charts (Apache-2.0).
    "echarts": ("6.1.0", ["LICENSE", "NOTICE", "dist/echarts.min.js"]),
    # The accessibility checks of the browser tests; no page of the portal loads it.
    "axe-core": ("4.14.1", ["LICENSE", "LICENSE-3RD-PARTY.txt", "axe.min.js"]),
}


def vendor(name: str, version: str, paths: list[str]) -> Path:
    target = VENDOR_DIR / f"{name}-{version}"
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(  # noqa: S603
            ["npm", "pack", f"{name}@{version}", "--silent"],  # noqa: S607
            cwd=scratch,
            check=True,
            capture_output=True,
        )
        archive = next(Path(scratch).glob("*.tgz"))
        with tarfile.open(archive) as tar:
            tar.extractall(scratch, filter="data")
        package_dir = Path(scratch) / "package"
        if target.exists():
            shutil.rmtree(target)
        for relative in paths:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(package_dir / relative, destination)
    for old in VENDOR_DIR.glob(f"{name}-*"):
        if old != target and old.name.removeprefix(f"{name}-")[:1].isdigit():
            shutil.rmtree(old)
    return target


def main() -> None:
    for name, (version, paths) in PACKAGES.items():
        print(f"{name} {version} -> {vendor(name, version, paths).relative_to(VENDOR_DIR.parent)}")


if __name__ == "__main__":
    main()
