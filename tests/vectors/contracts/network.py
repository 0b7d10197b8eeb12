"""The contracts tests' chain driver: genesis/example/chain.py's ExampleChain under the name
the tests use, kept from pytest's collection.
"""

from genesis.example.chain import ExampleChain, run_xiangshan_case

__all__ = ["TestChain", "run_xiangshan_case"]


class TestChain(ExampleChain):
    __test__ = False  # not a pytest class
