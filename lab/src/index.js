// Starts JupyterLab with the plugins of the extension packages bundled here (build/extensions.js, generated from
// package.json) and those of the prebuilt extensions bootstrap.js initialised. Plugins the page config disables
// (lab/settings/page_config.json, or the user's labconfig) are left out, as JupyterLab does.
import { JupyterLab } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { IConnectionStatus, IServiceManager } from '@jupyterlab/services';
import { PluginRegistry } from '@lumino/coreutils';
import { mimeRendererModules, pluginModules } from '@quantscope/lab-generated/extensions.js';
import '@quantscope/lab-generated/style.js';

/** A federated extension's exposed module ('./extension', './mimeExtension', './style'), evaluated. */
async function federatedModule(scope, module) {
  const factory = await window._JUPYTERLAB[scope].get(module);
  return factory();
}

/** The plugins a module exports (ES module default export or CommonJS exports; one plugin or a list). */
function pluginsOf(module) {
  const exported = Object.prototype.hasOwnProperty.call(module, '__esModule') ? module.default : module;
  return Array.isArray(exported) ? exported : [exported];
}

/** Settles every promise; logs the failures (one broken extension must not stop the others) and returns the rest. */
async function settled(promises) {
  const results = await Promise.allSettled(promises);
  for (const result of results) if (result.status === 'rejected') console.error(result.reason);
  return results.filter((result) => result.status === 'fulfilled').map((result) => result.value);
}

/**
 * @param federated - the page config's federated_extensions entries whose containers were initialised:
 *   { name, load, extension?, mimeExtension?, style? }
 */
export async function main(federated) {
  const withPart = (part) => federated.filter((data) => data[part]).map((data) => federatedModule(data.name, data[part]));
  const [bundled, bundledMime, external, externalMime] = await Promise.all([
    settled(Object.values(pluginModules).map((load) => load())),
    settled(Object.values(mimeRendererModules).map((load) => load())),
    settled(withPart('extension')),
    settled(withPart('mimeExtension')),
  ]);
  // A federated extension's style module adds its CSS to the page when evaluated.
  const styled = federated.filter((data) => data.style && !PageConfig.Extension.isDisabled(data.name));
  await settled(styled.map((data) => federatedModule(data.name, data.style)));

  const disabled = [];
  const deferred = [];
  const active = (modules) =>
    modules.flatMap(pluginsOf).filter((plugin) => {
      if (PageConfig.Extension.isDisabled(plugin.id)) {
        disabled.push(plugin.id);
        return false;
      }
      if (PageConfig.Extension.isDeferred(plugin.id)) deferred.push(plugin.id);
      return true;
    });
  const mimeExtensions = active([...bundledMime, ...externalMime]);
  const plugins = active([...bundled, ...external]);

  // Since JupyterLab 4.4 the service manager (kernels, sessions, contents) comes from plugins
  // (@jupyterlab/services-extension), so the registry resolves it before the application exists.
  const pluginRegistry = new PluginRegistry();
  pluginRegistry.registerPlugins(plugins);
  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager: await pluginRegistry.resolveOptionalService(IServiceManager),
    connectionStatus: await pluginRegistry.resolveOptionalService(IConnectionStatus),
    mimeExtensions,
    disabled: { matches: disabled, patterns: PageConfig.Extension.disabled.map((pattern) => pattern.raw) },
    deferred: { matches: deferred, patterns: PageConfig.Extension.deferred.map((pattern) => pattern.raw) },
  });
  await lab.start({ ignorePlugins: deferred, bubblingKeydown: true });
  if (PageConfig.getOption('exposeAppInBrowser').toLowerCase() === 'true') window.jupyterapp = lab;
}
