"""The models the GPU kit times with Descent, trained in PyTorch on the same GPU for comparison.

MNIST from the kit's folder of .gz IDX files, uploaded once: every batch is gathered on the GPU from a permutation
drawn there, as Descent does. TF32 is off for matmuls and cuDNN, so both sides multiply in full float32. Each
epoch prints "MODEL epoch N train_s SECONDS test_acc ACCURACY" (training time only, synchronised).
The models and recipes are Descent's: the 784-128-10 MLP (`--arch mlp`), PyTorch's MNIST example net (`--arch cnn`)
and He et al.'s CIFAR ResNet-20 on 28 x 28 digits (`--arch resnet`: batch 128, SGD with Nesterov momentum 0.9, weight
decay 5e-4 on the convolution and linear weights only, a one-cycle schedule peaking at 0.1 over the epochs run,
random 28 x 28 crops of the digit padded by 4).
  python3 pytorch_models.py MNIST_DIR [--mlp-epochs 3] [--cnn-epochs 1] [--resnet-epochs 1]
  python3 pytorch_models.py MNIST_DIR --device cpu --limit 512    (a smoke run on a few images, without a GPU)
"""
import argparse
import gzip
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def read_idx(path):
    with gzip.open(path, "rb") as file:
        data = file.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


class Cnn(nn.Module):
    """PyTorch's examples/mnist net."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return self.fc2(x)


class BasicBlock(nn.Module):
    """torchvision's: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut a 1x1 convolution and batch
    normalisation where the block changes the shape (`downsample`)."""

    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.downsample = None
        if stride != 1 or inputs != outputs:
            self.downsample = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x):
        body = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(body + (x if self.downsample is None else self.downsample(x)))


class CifarResNet(nn.Module):
    """He et al.'s CIFAR ResNet of depth 6n+2 (section 4.2), as Descent's --arch resnet and benchmarks/peer build it: a
    3x3 convolution to 16 channels, three stages of n blocks at 16, 32 and 64 channels (the last two starting with
    stride 2), global average pooling, one linear layer; convolutions without bias, initialised as torchvision's."""

    def __init__(self, depth=20, channels=1, classes=10):
        super().__init__()
        blocks = (depth - 2) // 6
        self.conv1 = nn.Conv2d(channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self.stage(16, 16, blocks, 1)
        self.layer2 = self.stage(16, 32, blocks, 2)
        self.layer3 = self.stage(32, 64, blocks, 2)
        self.fc = nn.Linear(64, classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    @staticmethod
    def stage(inputs, outputs, blocks, stride):
        return nn.Sequential(*[BasicBlock(inputs if i == 0 else outputs, outputs, stride if i == 0 else 1) for i in range(blocks)])

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def random_crops(padded, size, padding):
    """A size x size window of each padded image, at a shift drawn per image in [0, 2 * padding] on each axis, gathered
    on the device."""
    count = padded.shape[0]
    shifts = torch.randint(0, 2 * padding + 1, (count, 2), device=padded.device)
    offsets = torch.arange(size, device=padded.device)
    rows = (shifts[:, 0:1] + offsets)[:, :, None]
    cols = (shifts[:, 1:2] + offsets)[:, None, :]
    return padded[torch.arange(count, device=padded.device)[:, None, None], 0, rows, cols].unsqueeze(1)


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def train(name, model, optimizer, scheduler, images, labels, test_images, test_labels, batch, epochs, augment=None,
          step_scheduler=None):
    for epoch in range(1, epochs + 1):
        model.train()
        synchronize(images.device)
        started = time.perf_counter()
        order = torch.randperm(images.shape[0], device=images.device)
        for first in range(0, images.shape[0], batch):
            rows = order[first:first + batch]
            optimizer.zero_grad(set_to_none=True)
            inputs = images[rows] if augment is None else augment(rows)
            loss = F.cross_entropy(model(inputs), labels[rows])
            loss.backward()
            optimizer.step()
            if step_scheduler is not None:
                step_scheduler.step()
        synchronize(images.device)
        seconds = time.perf_counter() - started
        if scheduler is not None:
            scheduler.step()
        model.eval()
        with torch.no_grad():
            correct = sum((model(test_images[i:i + 1000]).argmax(1) == test_labels[i:i + 1000]).sum().item()
                          for i in range(0, test_images.shape[0], 1000))
        print(f"{name} epoch {epoch} train_s {seconds:.3f} test_acc {correct / test_images.shape[0]:.4f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description="Descent's GPU-kit models in PyTorch")
    parser.add_argument("mnist", help="folder of MNIST's four .gz IDX files")
    parser.add_argument("--mlp-epochs", type=int, default=3)
    parser.add_argument("--cnn-epochs", type=int, default=1)
    parser.add_argument("--resnet-epochs", type=int, default=1)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--limit", type=int, default=0, help="train and test on the first N images only (0: all)")
    arguments = parser.parse_args()
    device = torch.device(arguments.device)
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else "the processor"
    print(f"torch {torch.__version__} on {name}, TF32 off", flush=True)
    folder = arguments.mnist
    pixels = read_idx(f"{folder}/train-images-idx3-ubyte.gz")
    labels = read_idx(f"{folder}/train-labels-idx1-ubyte.gz")
    test_pixels = read_idx(f"{folder}/t10k-images-idx3-ubyte.gz")
    test_labels = read_idx(f"{folder}/t10k-labels-idx1-ubyte.gz")
    if arguments.limit > 0:
        pixels, labels = pixels[:arguments.limit], labels[:arguments.limit]
        test_pixels, test_labels = test_pixels[:arguments.limit], test_labels[:arguments.limit]
    pixels, labels = pixels.to(device), labels.to(device).long()
    test_pixels, test_labels = test_pixels.to(device), test_labels.to(device).long()
    torch.manual_seed(1)

    unit = (pixels.float() / 255).unsqueeze(1)
    test_unit = (test_pixels.float() / 255).unsqueeze(1)
    model = mlp().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    train("mlp", model, optimizer, None, unit, labels, test_unit, test_labels, 128, arguments.mlp_epochs)

    mean, deviation = 0.1307, 0.3081
    standard = (unit - mean) / deviation
    test_standard = (test_unit - mean) / deviation
    model = Cnn().to(device)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    train("cnn", model, optimizer, scheduler, standard, labels, test_standard, test_labels, 64, arguments.cnn_epochs)

    if arguments.resnet_epochs > 0:
        # Crops pad the digit with pixel value 0 before standardising, as torchvision's RandomCrop(28, padding=4) would.
        padded = (F.pad(unit, (4, 4, 4, 4)) - mean) / deviation
        model = CifarResNet(20).to(device)
        weights = [p for p in model.parameters() if p.dim() > 1]
        others = [p for p in model.parameters() if p.dim() <= 1]
        optimizer = torch.optim.SGD([{"params": weights, "weight_decay": 5e-4}, {"params": others, "weight_decay": 0.0}],
                                    lr=0.1, momentum=0.9, nesterov=True)
        steps_per_epoch = (standard.shape[0] + 127) // 128
        one_cycle = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, epochs=arguments.resnet_epochs,
                                                        steps_per_epoch=steps_per_epoch, cycle_momentum=False)
        train("resnet20", model, optimizer, None, standard, labels, test_standard, test_labels, 128, arguments.resnet_epochs,
              augment=lambda rows: random_crops(padded[rows], 28, 4), step_scheduler=one_cycle)


if __name__ == "__main__":
    main()
