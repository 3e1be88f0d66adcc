"""Outbound delivery: MX resolution, SMTP client, smart hosts, DKIM, retries and DSNs.

The delivery process calls one entry point, :func:`tayori.runtime.outbound.remote.deliver_remote`, and
asks :mod:`tayori.runtime.outbound.dsn` for bounces and delay warnings and
:mod:`tayori.runtime.outbound.retry` for the schedule.
"""
