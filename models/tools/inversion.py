"""What the inversion tools share (train_encoder.py, project.py, eval_inversion.py): loading a
generator the way the exporters do, the encoder network (image -> ws), and the image measures.

The encoder is a small stride-2 CNN that stays inside the graph rules export_stylegan.check_graphs
enforces for WebGPU: no grouped Conv, every Conv takes a multiple of 4 input channels (RGB is
padded to 4 channels inside the graph) or 1, dynamic batch. It maps a picture in the package's
output_range to absolute ws [N, num_ws, w_dim]: it predicts an offset from w_avg and adds it.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli  # noqa: E402

cli.require('torch', 'numpy')
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from pngio import read_png  # noqa: E402


def add_generator_arguments(ap):
    """--checkpoint PT | --pickle PKL (the exporters' sources), required, one of them."""
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--checkpoint', help='train_stylegan.py checkpoint (.pt), e.g. models/tools/checkpoints/emoji-stylegan.pt')
    src.add_argument('--pickle', help='NVIDIA network pickle (StyleGAN2-ADA or StyleGAN3), its G_ema')


def load_generator_from_args(args):
    """The frozen float32 generator the arguments name, in eval mode (an InputError when unreadable)."""
    from export_stylegan import load_checkpoint, load_pickle
    if args.checkpoint:
        G, _ = load_checkpoint(cli.existing_file(args.checkpoint, '--checkpoint'))
    else:
        G, _ = load_pickle(cli.existing_file(args.pickle, '--pickle'))
    return G.float().eval().requires_grad_(False)


# The range the generators draw in: every exporter writes output_range [-1, 1].
OUTPUT_RANGE = (-1.0, 1.0)


class Encoder(torch.nn.Module):
    """Picture [N, C, R, R] in `out_range` -> ws [N, num_ws, w_dim] = w_avg + predicted offset.

    Stages halve the resolution down to 4x4 (a stride-2 3x3 conv, then a 3x3 conv from 16 px
    down), then two dense layers. Widths double per stage from `width` up to `max_channels`.
    """

    def __init__(self, img_channels, resolution, num_ws, w_dim, w_avg, out_range=(-1.0, 1.0),
                 width=32, max_channels=128, hidden=256):
        super().__init__()
        self.kwargs = dict(img_channels=img_channels, resolution=resolution, num_ws=num_ws, w_dim=w_dim,
                           out_range=list(out_range), width=width, max_channels=max_channels, hidden=hidden)
        self.num_ws, self.w_dim = num_ws, w_dim
        self.in_channels = 4 if img_channels == 3 else img_channels
        self.register_buffer('w_avg', torch.as_tensor(np.asarray(w_avg, np.float32)).reshape(w_dim))
        lo, hi = out_range
        self.centre, self.half = (lo + hi) / 2, (hi - lo) / 2
        layers, cin, res, stage = [], self.in_channels, resolution, 0
        while res > 4:
            cout = min(width << stage, max_channels)
            layers += [torch.nn.Conv2d(cin, cout, 3, stride=2, padding=1), torch.nn.LeakyReLU(0.2)]
            res //= 2
            if res <= 16:
                layers += [torch.nn.Conv2d(cout, cout, 3, padding=1), torch.nn.LeakyReLU(0.2)]
            cin, stage = cout, stage + 1
        self.features = torch.nn.Sequential(*layers)
        self.fc = torch.nn.Linear(cin * res * res, hidden)
        self.out = torch.nn.Linear(hidden, num_ws * w_dim)
        # Start at w_avg: the first steps then refine the mean guess instead of undoing noise.
        with torch.no_grad():
            self.out.weight.mul_(0.1)
            self.out.bias.zero_()

    def forward(self, img):
        x = (img - self.centre) / self.half
        if self.in_channels != x.shape[1]:
            x = F.pad(x, (0, 0, 0, 0, 0, self.in_channels - x.shape[1]))
        x = self.features(x).flatten(1)
        x = F.leaky_relu(self.fc(x), 0.2)
        return self.out(x).reshape(-1, self.num_ws, self.w_dim) + self.w_avg


def encoder_for(G, **kwargs):
    """An untrained encoder sized for generator G, starting at its w_avg."""
    return Encoder(G.img_channels, G.img_resolution, G.num_ws, G.w_dim, G.mapping.w_avg.detach().numpy(),
                   OUTPUT_RANGE, **kwargs)


def load_encoder_state(state):
    """An Encoder from a train_encoder.py checkpoint's `encoder_kwargs` + `encoder` state dict."""
    kwargs = dict(state['encoder_kwargs'])
    enc = Encoder(w_avg=np.zeros(kwargs['w_dim'], np.float32), **kwargs)
    enc.load_state_dict(state['encoder'])
    return enc.eval()


# ---------------------------------------------------------------------------------------------
# Images and measures.

def read_target(path, resolution, img_channels=3):
    """A PNG as float32 [1, C, R, R] in [-1, 1]: centre-cropped to a square and resized (area) to R."""
    img = read_png(path)  # uint8 [H, W, C]
    if img.ndim == 2:
        img = img[:, :, None]
    if img.shape[2] == 4:  # composite onto white, as the training set is
        alpha = img[:, :, 3:4].astype(np.float32) / 255
        img = (img[:, :, :3].astype(np.float32) * alpha + 255 * (1 - alpha))
    img = img.astype(np.float32)[:, :, :3] if img_channels == 3 else img.astype(np.float32).mean(2, keepdims=True)
    if img.shape[2] == 1 and img_channels == 3:
        img = np.repeat(img, 3, axis=2)
    h, w = img.shape[:2]
    s = min(h, w)
    img = img[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    t = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None]
    if s != resolution:
        t = F.interpolate(t, size=(resolution, resolution), mode='area' if s > resolution else 'bilinear',
                          align_corners=None if s > resolution else False)
    return t / 127.5 - 1


def to_uint8(img):
    """[N, C, R, R] in [-1, 1] -> uint8 [N, R, R, C], rounded as NVIDIA's gen_images.py does."""
    x = (img.detach().float() * 127.5 + 128).clamp(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def psnr(a, b):
    """PSNR in dB of two uint8 images [.., H, W, C] on the [0, 255] scale (over all channels)."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float('inf') if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def gaussian_window(size=11, sigma=1.5):
    g = np.exp(-((np.arange(size) - size // 2) ** 2) / (2 * sigma ** 2))
    g /= g.sum()
    return np.outer(g, g)


def ssim(a, b):
    """SSIM (Wang et al. 2004) of two uint8 images [H, W, C]: 11x11 Gaussian window (sigma 1.5),
    K1 = 0.01, K2 = 0.03, L = 255, 'valid' windows only, computed per RGB channel and averaged
    over channels and windows."""
    from scipy.signal import convolve2d
    win = gaussian_window()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    scores = []
    for ch in range(a.shape[2]):
        x, y = a[:, :, ch].astype(np.float64), b[:, :, ch].astype(np.float64)
        f = lambda v: convolve2d(v, win, mode='valid')  # noqa: E731
        mx, my = f(x), f(y)
        sxx, syy, sxy = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
        m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
        scores.append(m.mean())
    return float(np.mean(scores))
