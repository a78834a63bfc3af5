#!/usr/bin/python3
"""Serves the JupyterLab application built in lab/static with Debian's jupyter-server and jupyterlab-server.

    /usr/bin/python3 lab/serve.py [NOTEBOOK_DIR] [--port=N] [other jupyter-server options]

NOTEBOOK_DIR (default: the repository's notebooks/) is the root of the file browser. The server listens on
127.0.0.1 only and prints the URL with its token (set JUPYTER_TOKEN to choose the token). Kernels and prebuilt
extensions are looked up on JUPYTER_PATH, which starts with the repository's build/jupyter/share/jupyter, where
`npm start` installs the quantscope kernel and the Quantscope extension. Ctrl-C or SIGTERM shuts the kernels down
and stops.

Debian's jupyter-server (1.23) predates two endpoints JupyterLab 4 calls on start; small handlers here answer them
so the page loads without errors:
  /api/me                 the identity of the user (jupyter-server 2 has it): one anonymous user, all permissions
  /api/events/subscribe   the server event stream (jupyter-server 2): a websocket that never sends an event
"""
import getpass
import json
import os
import signal
import sys

LAB_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(LAB_DIR)
STATIC_DIR = os.path.join(LAB_DIR, 'static')
JUPYTER_DATA = os.path.join(REPO_DIR, 'build', 'jupyter', 'share', 'jupyter')

# Before jupyter_core reads it: the repository's data folder comes first, the user's and system's stay.
os.environ['JUPYTER_PATH'] = os.pathsep.join(p for p in [JUPYTER_DATA, os.environ.get('JUPYTER_PATH', '')] if p)

from jupyter_core.paths import jupyter_config_dir  # noqa: E402
from jupyter_server.base.handlers import APIHandler, JupyterHandler  # noqa: E402
from jupyterlab_server import LabServerApp  # noqa: E402
from tornado import web, websocket  # noqa: E402


class MeHandler(APIHandler):
    """GET /api/me: who the user is and what they may do, in jupyter-server 2's format."""

    @web.authenticated
    def get(self):
        name = getpass.getuser()
        identity = {'username': name, 'name': name, 'display_name': name, 'initials': name[:2].upper(),
                    'avatar_url': None, 'color': None}
        # jupyter-server 1.23 has no authorizer: an authenticated user may do everything.
        self.finish(json.dumps({'identity': identity, 'permissions': {}}))


class EventsHandler(JupyterHandler, websocket.WebSocketHandler):
    """GET /api/events/subscribe: jupyter-server 2's event stream. This server emits no events, so the socket stays
    open and silent; JupyterLab's event manager is satisfied and nothing retries in a loop."""

    @web.authenticated
    async def get(self, *args, **kwargs):
        return await super().get(*args, **kwargs)

    def on_message(self, message):
        pass


class QuantscopeLab(LabServerApp):
    name = 'quantscope_lab'
    app_name = 'JupyterLab'
    app_url = '/lab'
    extension_url = '/lab'
    default_url = '/lab'
    load_other_extensions = False
    static_dir = STATIC_DIR
    templates_dir = os.path.join(LAB_DIR, 'templates')
    schemas_dir = os.path.join(STATIC_DIR, 'schemas')
    themes_dir = os.path.join(STATIC_DIR, 'themes')
    # page_config.json (plugins this application leaves out) and overrides.json (its default settings).
    app_settings_dir = os.path.join(LAB_DIR, 'settings')
    # Where JupyterLab keeps a user's settings (the chosen theme, ...) and saved layouts, and the same variables.
    user_settings_dir = os.environ.get('JUPYTERLAB_SETTINGS_DIR', os.path.join(jupyter_config_dir(), 'lab', 'user-settings'))
    workspaces_dir = os.environ.get('JUPYTERLAB_WORKSPACES_DIR', os.path.join(jupyter_config_dir(), 'lab', 'workspaces'))

    def initialize_handlers(self):
        super().initialize_handlers()
        self.handlers.extend([(r'/api/me', MeHandler), (r'/api/events/subscribe', EventsHandler)])


def _jupyter_server_extension_points():
    return [{'module': __name__, 'app': QuantscopeLab}]


def split_arguments(argv):
    """The notebook folder (the first argument that is not an option) and the options for jupyter-server."""
    positional = [a for a in argv if not a.startswith('-')]
    if len(positional) > 1:
        sys.exit(f'serve.py: expected at most one notebook folder, got {positional}')
    root = os.path.abspath(positional[0] if positional else os.path.join(REPO_DIR, 'notebooks'))
    if not os.path.isdir(root):
        sys.exit(f'serve.py: the notebook folder {root} does not exist')
    return root, [a for a in argv if a.startswith('-')]


def main(argv):
    if not os.path.exists(os.path.join(STATIC_DIR, 'bundle.js')):
        sys.exit('serve.py: lab/static/bundle.js is missing; build the application first: npm --prefix lab run build')
    root, options = split_arguments(argv)
    server_args = [f'--ServerApp.root_dir={root}', '--ServerApp.ip=127.0.0.1', '--ServerApp.open_browser=False',
                   *options]
    if os.geteuid() == 0:
        server_args.append('--ServerApp.allow_root=True')
    serverapp = QuantscopeLab.initialize_server(argv=server_args)
    # Listing the kernel specs imports ipykernel the first time (about 0.5 s), and the page asks for them while it
    # loads: paid here, before the URL is printed, the first page load does not wait for it.
    serverapp.kernel_spec_manager.get_all_specs()
    # jupyter-server asks for confirmation on Ctrl-C when attached to a terminal and otherwise dies without shutting
    # the kernels down; both signals stop it the clean way instead.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: serverapp.stop(from_signal=True))
    serverapp.io_loop.add_callback(
        lambda: print(f'\nJupyterLab (Quantscope) is running at:\n    {serverapp.local_url}\n'
                      f'Notebook folder: {root}\nPress Ctrl-C to stop.\n', flush=True))
    serverapp.start()


if __name__ == '__main__':
    main(sys.argv[1:])
