"""How the model tools' command lines refuse wrong input: one line on stderr, exit status 2 (as
argparse does), instead of a Python traceback, and before anything is written.

Imports nothing beyond the standard library, so that `require` can name the missing packages when
the script runs under a Python without PyTorch (a `python3` on PATH that is not Debian's).
"""
import importlib.util
import os
import sys

DEBIAN_PYTHON = '/usr/bin/python3'


class InputError(ValueError):
    """A wrong input the user can fix; the message says what was wrong and what to do."""


def fail(message):
    """Print `<script>: error: message` and exit 2."""
    sys.stderr.write(f'{os.path.basename(sys.argv[0])}: error: {message}\n')
    sys.exit(2)


def require(*modules):
    """Exit with one line when a module the script needs cannot be imported by this interpreter."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    packages = 'python3-torch python3-onnx python3-numpy python3-scipy'
    if os.path.realpath(sys.executable) == os.path.realpath(DEBIAN_PYTHON):
        fail(f'{sys.executable} cannot import {", ".join(missing)}; install them: apt-get install {packages}')
    fail(f'{sys.executable} has no {", ".join(missing)}; run the script with {DEBIAN_PYTHON} (Debian {packages}), '
         'or run it directly: its first line names that interpreter')


def run(main):
    """Call main(); an InputError it raises becomes the one-line refusal."""
    try:
        main()
    except InputError as error:
        fail(str(error))


def existing_file(path, what):
    """`path` if it is a readable file, else an InputError naming `what`."""
    if not os.path.isfile(path):
        raise InputError(f'{what} {path} does not exist or is not a file')
    return path


def output_folder(path):
    """Refuse an --out that exists as something other than a folder (checked before any work)."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f'--out {path} exists and is not a folder; give a new or existing folder')
    return path
