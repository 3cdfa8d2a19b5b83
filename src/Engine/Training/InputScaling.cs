namespace Descent.Engine.Training;

/// <summary>How a byte pixel becomes a model input on the device: x = pixel * Scale + Shift.</summary>
public readonly record struct InputScaling(float Scale, float Shift)
{
    /// <summary>Pixels scaled to 0..1, the lesson's way.</summary>
    public static InputScaling UnitInterval { get; } = new(1f / 255f, 0f);

    /// <summary>Standardised: (pixel / 255 - mean) / std.</summary>
    public static InputScaling Standardized(float mean, float std) => new(1f / (255f * std), -mean / std);
}
