"""Write the make variables that give each chapter's examples the libraries
its exercises link with (their manifests' `packages` and `libs`), as
CH_CFLAGS_<slug> and CH_LIBS_<slug>: a chapter's examples are compiled with
its support/ code, which needs them."""
import glob
import os
import subprocess
import sys
import tomllib


def pkg_config(flag, packages):
    if not packages:
        return ""
    return subprocess.run(["pkg-config", flag, *packages], check=True, capture_output=True,
                          text=True).stdout.strip()


def main(out):
    lines = []
    for manifest in sorted(glob.glob("chapters/*/chapter.toml")):
        slug = os.path.basename(os.path.dirname(manifest))
        with open(manifest, "rb") as f:
            exercises = tomllib.load(f).get("exercise", [])
        packages = sorted({p for ex in exercises for p in ex.get("packages", [])})
        libs = sorted({name for ex in exercises for name in ex.get("libs", [])})
        lines.append(f"CH_CFLAGS_{slug} := {pkg_config('--cflags', packages)}")
        lines.append(f"CH_LIBS_{slug} := {' '.join([pkg_config('--libs', packages), *(f'-l{n}' for n in libs)]).strip()}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
