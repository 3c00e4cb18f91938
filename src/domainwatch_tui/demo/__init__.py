"""`domainwatch demo`: synthetic accounts, a matching RDAP simulator scenario with timelines, a
simulated clock, and the dashboard checking for real over HTTP against 127.0.0.1.

`accounts` generates the accounts, `scenario` the simulator scenario, `clock` the simulated
clock, `session` builds and runs it all, `app` is the dashboard in demo mode.
"""
