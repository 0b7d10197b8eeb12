"""Builders shared by the test tiers: settings, validator sets and headers that several
tiers would otherwise each restate. (tests/fakes/ holds the simulated network and clock.)
"""
