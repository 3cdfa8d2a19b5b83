"""The models the GPU kit times with Descent, trained in PyTorch on the same GPU for comparison.

MNIST from the kit's folder of .gz IDX files, uploaded once: every batch is gathered on the GPU from a permutation
drawn there, as Descent does. TF32 is off for matmuls and cuDNN, so both sides multiply in full float32. Each
epoch prints "MODEL epoch N train_s SECONDS test_acc ACCURACY" (training time only, synchronised).
  python3 pytorch_models.py MNIST_DIR [EPOCHS_MLP] [EPOCHS_CNN]
"""
import gzip
import sys
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


def train(name, model, optimizer, scheduler, images, labels, test_images, test_labels, batch, epochs):
    for epoch in range(1, epochs + 1):
        model.train()
        torch.cuda.synchronize()
        started = time.perf_counter()
        order = torch.randperm(images.shape[0], device=images.device)
        for first in range(0, images.shape[0], batch):
            rows = order[first:first + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(images[rows]), labels[rows])
            loss.backward()
            optimizer.step()
        torch.cuda.synchronize()
        seconds = time.perf_counter() - started
        if scheduler is not None:
            scheduler.step()
        model.eval()
        with torch.no_grad():
            correct = sum((model(test_images[i:i + 1000]).argmax(1) == test_labels[i:i + 1000]).sum().item()
                          for i in range(0, test_images.shape[0], 1000))
        print(f"{name} epoch {epoch} train_s {seconds:.3f} test_acc {correct / test_images.shape[0]:.4f}", flush=True)


def main():
    folder = sys.argv[1]
    mlp_epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    cnn_epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    device = torch.device("cuda")
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}, TF32 off", flush=True)
    pixels = read_idx(f"{folder}/train-images-idx3-ubyte.gz").to(device)
    labels = read_idx(f"{folder}/train-labels-idx1-ubyte.gz").to(device).long()
    test_pixels = read_idx(f"{folder}/t10k-images-idx3-ubyte.gz").to(device)
    test_labels = read_idx(f"{folder}/t10k-labels-idx1-ubyte.gz").to(device).long()
    torch.manual_seed(1)

    unit = (pixels.float() / 255).unsqueeze(1)
    test_unit = (test_pixels.float() / 255).unsqueeze(1)
    model = mlp().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    train("mlp", model, optimizer, None, unit, labels, test_unit, test_labels, 128, mlp_epochs)

    standard = (unit - 0.1307) / 0.3081
    test_standard = (test_unit - 0.1307) / 0.3081
    model = Cnn().to(device)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    train("cnn", model, optimizer, scheduler, standard, labels, test_standard, test_labels, 64, cnn_epochs)


if __name__ == "__main__":
    main()
