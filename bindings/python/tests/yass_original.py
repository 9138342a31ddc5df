"""YASS 0.9's own ``yass.batch``, unmodified, for the differential tests
and the benchmark (``pip install yass-algorithm==0.9 --no-deps`` plus the
few packages yass.batch imports: numpy pyyaml tqdm multiprocess
python-dateutil).

YASS's package ``__init__`` imports tensorflow and its whole pipeline, none
of which yass.batch uses; this loads ``yass.batch`` alone: the ``yass``
package is registered without running its ``__init__``, tensorflow's one
import in yass.util (``device_lib``) is stood in for, and on Python >= 3.10
``collections.Iterable`` (used by yass.batch.reader, moved to
collections.abc in 3.3, removed from collections in 3.10) is put back.
"""

import collections
import collections.abc
import importlib.util
import sys
import types

INSTALL = "pip install yass-algorithm==0.9 --no-deps && pip install numpy pyyaml tqdm multiprocess python-dateutil"


def load():
    """The module ``yass.batch`` of the installed YASS; ImportError when absent."""
    if "yass.batch" in sys.modules and getattr(sys.modules["yass"], "__neurobatch_shim__", False):
        return sys.modules["yass.batch"]
    spec = importlib.util.find_spec("yass")
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"YASS 0.9 is not installed: {INSTALL}")
    pkg = types.ModuleType("yass")
    pkg.__path__ = list(spec.submodule_search_locations)
    pkg.__file__ = spec.origin
    pkg.__neurobatch_shim__ = True
    sys.modules["yass"] = pkg
    if "tensorflow" not in sys.modules:
        device_lib = types.ModuleType("tensorflow.python.client.device_lib")
        device_lib.list_local_devices = lambda: []
        names = ["tensorflow", "tensorflow.python", "tensorflow.python.client"]
        for name in names:
            sys.modules[name] = types.ModuleType(name)
        sys.modules["tensorflow.python.client"].device_lib = device_lib
        sys.modules["tensorflow.python.client.device_lib"] = device_lib
    if sys.version_info >= (3, 10):
        collections.Iterable = collections.abc.Iterable
    try:
        import pkg_resources  # noqa: F401  (yass.util imports it)
    except ImportError:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = lambda package, resource: resource
        sys.modules["pkg_resources"] = shim
    import yass.batch

    return yass.batch
