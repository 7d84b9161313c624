#!/usr/bin/env python3
"""Summarises a TRX file from `dotnet test`: each test class with its counts and time, the ten slowest tests, and one closing line."""
import collections
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def seconds(duration):
    hours, minutes, rest = duration.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def main(path):
    root = ET.parse(path).getroot()
    classes = {d.get("id"): d.find("t:TestMethod", NS).get("className") for d in root.iterfind(".//t:UnitTest", NS)}
    per_class = collections.defaultdict(lambda: collections.Counter())
    times = collections.defaultdict(float)
    tests = []
    for result in root.iterfind(".//t:UnitTestResult", NS):
        name = classes.get(result.get("testId"), "?").removeprefix("Slipway.Tests.")
        took = seconds(result.get("duration", "0:0:0"))
        per_class[name][result.get("outcome")] += 1
        times[name] += took
        tests.append((took, result.get("testName")))
    print(f"{'class':70s} {'passed':>6s} {'failed':>6s} {'skipped':>7s} {'time':>8s}")
    for name in sorted(per_class, key=lambda n: -times[n]):
        counts = per_class[name]
        print(f"{name[:70]:70s} {counts['Passed']:6d} {counts['Failed']:6d} {counts['NotExecuted']:7d} {times[name]:7.1f}s")
    print("slowest tests:")
    for took, name in sorted(tests, reverse=True)[:10]:
        print(f"  {took:7.1f}s  {name[:150]}")
    totals = sum(per_class.values(), collections.Counter())
    # The run's one plain closing line.
    print(f"tests: {totals['Passed']} passed, {totals['Failed']} failed, {totals['NotExecuted']} skipped")


if __name__ == "__main__":
    main(sys.argv[1])
