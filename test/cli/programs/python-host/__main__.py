"""Config in, stack outputs out: proves the Python language host runs a program (no provider)."""
import sys
from importlib.metadata import version

import pulumi

config = pulumi.Config()
greeting = config.require("greeting")
count = config.get_int("count") or 2

pulumi.export("greeting", greeting)
pulumi.export("count", count)
pulumi.export("repeated", ",".join([greeting] * count))
pulumi.export("token", config.require_secret("token"))
pulumi.export("language", "python")
# Which interpreter and SDK ran the program: the test's virtualenv, not the machine's Python.
pulumi.export("prefix", sys.prefix)
pulumi.export("sdk", version("pulumi"))
