namespace Descent.Engine.Data;

/// <summary>The images to train on and the images to measure on (a test set or a held-out part of training).</summary>
public sealed record DatasetSplits(ImageDataset Train, ImageDataset Valid);
