namespace Descent.Engine.Training;

/// <summary>
/// One finished epoch's figures as the epoch table, the metrics file and a checkpoint record them: mean
/// training loss, loss and accuracy on the set evaluated (validation or test), and wall seconds.
/// </summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double ValidLoss, double Accuracy, double Seconds);
