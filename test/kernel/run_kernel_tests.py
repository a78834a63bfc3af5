"""Runs every Python kernel test (test/kernel/test_*.py) with unittest and prints "N passed, N failed".

Called by run_kernel_tests.sh, which builds the kernel and installs its kernelspec into a temporary Jupyter data
folder first. Exits non-zero when any test fails.
"""
import os
import sys
import unittest


class CountingResult(unittest.TextTestResult):
    """Counts subtests as tests of their own, so a failing sample of jupyter_kernel_test is one failure."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0
        self.subtest_failed = set()

    def addSuccess(self, test):
        super().addSuccess(test)
        if test.id() not in self.subtest_failed:
            self.passed += 1

    def addSubTest(self, test, subtest, outcome):
        super().addSubTest(test, subtest, outcome)
        if outcome is not None:
            self.subtest_failed.add(test.id())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    pattern = sys.argv[1] if len(sys.argv) > 1 else "test_*.py"
    suite = unittest.TestLoader().discover(here, pattern=pattern, top_level_dir=here)
    runner = unittest.TextTestRunner(verbosity=2, resultclass=CountingResult)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"{result.passed} passed, {failed} failed" + (f", {len(result.skipped)} skipped" if result.skipped else ""))
    sys.exit(1 if failed or not result.wasSuccessful() else 0)


if __name__ == "__main__":
    main()
