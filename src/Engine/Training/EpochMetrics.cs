namespace Descent.Engine.Training;

/// <summary>Loss averaged over an epoch's items and the share predicted correctly.</summary>
public readonly record struct EpochMetrics(double MeanLoss, double Accuracy, int Items);
