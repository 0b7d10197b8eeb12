"""The chain audit: fetch every node's blocks, check and replay them, report findings.

chain_audit.py holds ChainAudit; block, certificate, checkpoint, fork, history and replay
hold its checks; findings.py the codes; fetch.py talks to the nodes.
"""
