"""Test clusters stay on the loopback: Ray reads this when it is imported, and left to
itself it would bind and connect to this machine's interface address."""

import os

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
