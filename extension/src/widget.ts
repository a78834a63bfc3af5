import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Kernel } from '@jupyterlab/services';
import type { JSONObject } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { parseView } from '../../src/views/parse';
import type { View, ViewKind } from '../../src/views/types';
import { ViewComm, type Reply } from './comm';
import { errorBox } from './dom';
import type { Theme } from './figures/figure';
import { Plots } from './plot';
import { readTheme } from './theme';

/** What a view's renderer works with: its root element, its plots, the theme and the kernel. */
export interface Host {
  readonly node: HTMLElement;
  readonly plots: Plots;
  theme(): Theme;
  /**
   * Sends `action` to the kernel for this view. Refused (an error reply, nothing sent) unless the view lists the
   * action; never throws.
   */
  request(action: string, args?: JSONObject): Promise<Reply>;
}

/** Draws one view into `host.node`; resolves when the first drawing is done. */
export type ViewRenderer = (view: View, host: Host) => Promise<void>;

/** Draws a plotly MIME payload (not a Quantscope view). */
export type PayloadRenderer = (payload: unknown, host: Host) => Promise<void>;

/** What a widget renders: views of one kind, validated first, or plotly payloads. */
export type RenderTarget =
  | { readonly kind: ViewKind; readonly render: ViewRenderer }
  | { readonly kind: 'plotly'; readonly render: PayloadRenderer };

/** What the application gives every renderer. */
export interface RendererServices {
  /** The kernel of the notebook whose output contains `node`, or null. */
  findKernel(node: HTMLElement): Kernel.IKernelConnection | null;
  /** Fires after JupyterLab switches theme (null without a theme manager). */
  readonly themeChanged: ISignal<unknown, unknown> | null;
}

/**
 * The widget one MIME output renders into. Its node carries `data-quantscope-view="<kind>"` from the start and
 * `data-quantscope-ready="true"` once the view (or its error box) is drawn; a malformed payload becomes a
 * `.quantscope-error` box with the parse error. Re-rendering (update_display_data) replaces the content in place.
 */
export class QuantscopeWidget extends Widget implements IRenderMime.IRenderer {
  private readonly plots: Plots;
  private currentTheme: Theme = readTheme();
  private comm: ViewComm | null = null;

  constructor(
    private readonly mimeType: string,
    private readonly target: RenderTarget,
    private readonly services: RendererServices,
  ) {
    super();
    this.addClass('quantscope-view');
    this.node.dataset.quantscopeView = target.kind;
    this.plots = new Plots(() => this.currentTheme);
    services.themeChanged?.connect(this.onThemeChanged, this);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    delete this.node.dataset.quantscopeReady;
    this.plots.clear();
    this.node.replaceChildren();
    this.currentTheme = readTheme();
    const payload = model.data[this.mimeType];
    try {
      const target = this.target;
      if (target.kind === 'plotly') {
        await target.render(payload, this.host(null));
      } else {
        const parsed = parseView(payload, target.kind);
        if (parsed.ok) await target.render(parsed.view, this.host(parsed.view));
        else this.node.replaceChildren(errorBox(parsed.error));
      }
    } catch (err) {
      // A bug in a renderer: say so in place of the view rather than break the output area.
      this.plots.clear();
      this.node.replaceChildren(errorBox(`Drawing failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    this.node.dataset.quantscopeReady = 'true';
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.services.themeChanged?.disconnect(this.onThemeChanged, this);
    this.comm?.dispose();
    this.plots.clear();
    super.dispose();
  }

  protected override onResize(): void {
    this.plots.resizeAll();
  }

  protected override onAfterShow(): void {
    this.plots.resizeAll();
  }

  private host(view: View | null): Host {
    if (this.comm !== null && this.comm.viewId !== view?.id) {
      this.comm.dispose();
      this.comm = null;
    }
    if (view !== null && this.comm === null) this.comm = new ViewComm(view.id, () => this.services.findKernel(this.node));
    const comm = this.comm;
    return {
      node: this.node,
      plots: this.plots,
      theme: () => this.currentTheme,
      request: async (action, args = {}) => {
        if (view === null || comm === null || !view.actions.includes(action)) {
          return { ok: false, error: `This view does not offer the action ${JSON.stringify(action)}.` };
        }
        return comm.request(action, args);
      },
    };
  }

  private onThemeChanged(): void {
    // The new theme's CSS is loaded when the signal fires; read its variables on the next frame, after style recalc.
    requestAnimationFrame(() => {
      if (this.isDisposed) return;
      this.currentTheme = readTheme();
      this.plots.redrawAll().catch(() => undefined);
    });
  }
}
