"""The install command writes a kernelspec jupyter_client finds (with logos), replaces it, and uninstall removes it."""
import json
import os
import struct
import subprocess
import tempfile
import unittest

from jupyter_client.kernelspec import KernelSpecManager

REPO = os.environ.get("QUANTSCOPE_REPO", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
INSTALL = os.path.join(REPO, "build", "kernel", "install.js")


def run_install(*args, env=None):
    return subprocess.run(["node", INSTALL, *args], capture_output=True, text=True, env=env, check=True).stdout


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


class InstallTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def spec_manager(self, data_dir):
        return KernelSpecManager(kernel_dirs=[os.path.join(data_dir, "kernels")])

    def test_install_writes_a_spec_jupyter_client_finds_with_both_logos(self):
        run_install("--data-dir", self.dir)
        spec = self.spec_manager(self.dir).get_kernel_spec("quantscope")
        self.assertEqual(spec.display_name, "TypeScript (Quantscope)")
        self.assertEqual(spec.language, "typescript")
        self.assertEqual(spec.interrupt_mode, "signal")
        self.assertEqual(spec.argv[-2:], ["--connection-file", "{connection_file}"])
        self.assertTrue(os.path.isabs(spec.argv[0]) and os.path.isfile(spec.argv[1]))
        folder = os.path.join(self.dir, "kernels", "quantscope")
        self.assertEqual(png_size(os.path.join(folder, "logo-32x32.png")), (32, 32))
        self.assertEqual(png_size(os.path.join(folder, "logo-64x64.png")), (64, 64))

    def test_user_install_respects_jupyter_data_dir(self):
        env = dict(os.environ, JUPYTER_DATA_DIR=self.dir)
        out = run_install("--user", env=env)
        self.assertIn(os.path.join(self.dir, "kernels", "quantscope"), out)
        self.assertIn("quantscope", self.spec_manager(self.dir).find_kernel_specs())

    def test_prefix_install_uses_share_jupyter(self):
        run_install("--prefix", self.dir)
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "share", "jupyter", "kernels", "quantscope", "kernel.json")))

    def test_reinstall_replaces_the_spec_and_leaves_no_staging_folders(self):
        run_install("--data-dir", self.dir)
        kernel_json = os.path.join(self.dir, "kernels", "quantscope", "kernel.json")
        with open(kernel_json, "w") as f:
            json.dump({"argv": ["stale"], "display_name": "stale", "language": "x"}, f)
        run_install("--data-dir", self.dir)
        with open(kernel_json) as f:
            self.assertEqual(json.load(f)["display_name"], "TypeScript (Quantscope)")
        self.assertEqual(os.listdir(os.path.join(self.dir, "kernels")), ["quantscope"])

    def test_uninstall_removes_the_spec(self):
        run_install("--data-dir", self.dir)
        out = run_install("uninstall", "--data-dir", self.dir)
        self.assertIn("Removed", out)
        self.assertNotIn("quantscope", self.spec_manager(self.dir).find_kernel_specs())
        self.assertIn("No quantscope kernelspec", run_install("uninstall", "--data-dir", self.dir))

    def test_an_unknown_option_fails_naming_it(self):
        result = subprocess.run(["node", INSTALL, "--sytem"], capture_output=True, text=True)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('unknown argument "--sytem"', result.stderr)


if __name__ == "__main__":
    unittest.main()
