import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IThemeManager } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { VIEW_KINDS, viewMimeType, type ViewKind } from '../../src/views/types';
import { renderView } from './views';
import { renderPlotly } from './views/plotly';
import { QuantscopeWidget, type RendererServices } from './widget';

/** The MIME type of kernel plotly figures, rendered by this extension too. */
export const PLOTLY_MIME_TYPE = 'application/vnd.plotly.v1+json';

/** JupyterLab's own renderers rank 50 (HTML) and up; 0 puts ours ahead of the text/html and text/plain fallbacks in the bundle. */
const RANK = 0;

function viewFactory(kind: ViewKind, services: RendererServices): IRenderMime.IRendererFactory {
  const mimeType = viewMimeType(kind);
  return {
    safe: true,
    mimeTypes: [mimeType],
    defaultRank: RANK,
    createRenderer: () => new QuantscopeWidget(mimeType, { kind, render: renderView }, services),
  };
}

function plotlyFactory(services: RendererServices): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [PLOTLY_MIME_TYPE],
    defaultRank: RANK,
    createRenderer: () => new QuantscopeWidget(PLOTLY_MIME_TYPE, { kind: 'plotly', render: renderPlotly }, services),
  };
}

/**
 * Registers a renderer for each Quantscope view kind and for plotly figures. The notebook tracker finds the kernel
 * of the notebook an output sits in (for the `quantscope` comm); the theme manager's signal redraws the plots.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: '@quantscope/jupyterlab-extension:renderers',
  description: 'Renders Quantscope views (layerwise error, distributions, calibration, equalization, schemes, progress, error budget) with plotly.js.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [INotebookTracker, IThemeManager],
  activate: (_app: JupyterFrontEnd, rendermime: IRenderMimeRegistry, tracker: INotebookTracker | null, themes: IThemeManager | null) => {
    const services: RendererServices = {
      findKernel: (node) => tracker?.find((panel) => panel.node.contains(node))?.sessionContext.session?.kernel ?? null,
      themeChanged: themes?.themeChanged ?? null,
    };
    for (const kind of VIEW_KINDS) rendermime.addFactory(viewFactory(kind, services), RANK);
    rendermime.addFactory(plotlyFactory(services), RANK);
  },
};

export default plugin;
