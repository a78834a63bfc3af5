// Entry point of the application bundle. The prebuilt (federated) extensions the server lists are loaded first, each
// container initialised against webpack's share scope, so the scope settles on one copy of every shared package
// before any of them runs; only then is the application imported. This is the protocol of JupyterLab's own
// bootstrap, which extensions built by `build-labextension` expect.

/** The page config the server embedded, read by hand: @jupyterlab/coreutils is shared and must not load yet. */
function readPageConfig() {
  const element = document.getElementById('jupyter-config-data');
  return element ? JSON.parse(element.textContent || '{}') : {};
}

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load the extension script ${url}`));
    script.async = true;
    script.src = url;
    document.head.appendChild(script);
  });
}

/** Loads one extension's remoteEntry and lets its container offer and take shared modules. */
async function initFederatedExtension(labextensionsUrl, { name, load }) {
  await loadScript(`${labextensionsUrl}/${name}/${load}`);
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB?.[name];
  if (!container) throw new Error(`the script of extension ${name} defined no container _JUPYTERLAB[${JSON.stringify(name)}]`);
  await container.init(__webpack_share_scopes__.default);
}

const pageConfig = readPageConfig();
// Chunks are served from wherever the server puts the application's static files.
__webpack_public_path__ = `${pageConfig.fullStaticUrl}/`;

void (async () => {
  const federated = pageConfig.federated_extensions ?? [];
  const results = await Promise.allSettled(federated.map((data) => initFederatedExtension(pageConfig.fullLabextensionsUrl, data)));
  results.forEach((result) => {
    if (result.status === 'rejected') console.error(result.reason);
  });
  if (document.readyState === 'loading') await new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }));
  const { main } = await import('./index.js');
  await main(federated.filter((_, i) => results[i].status === 'fulfilled'));
})();
