"""The worked example of MISSION.md: fixed keys, the Xiangshan network and the Xiangshan case.

Pure data and builders, shared by the tests, the vectors, the benchmarks and the demo, so
that none of them imports another's files. Every key here comes from a published seed:
for examples only, never for a real deployment.
"""
