using System.Globalization;
using System.Text.RegularExpressions;

namespace Descent.Tests.Ilgpu;

/// <summary>
/// One kernel's SASS as nvdisasm prints it: instructions with their addresses, and the labels branches jump to. A loop
/// is a branch back to a label at or before it; its body is every instruction from the label to the branch.
/// </summary>
public sealed partial class SassListing
{
    private readonly List<(int Address, string Opcode)> instructions = [];
    private readonly List<(int Address, string Target)> branches = [];
    private readonly Dictionary<string, int> labels = new(StringComparer.Ordinal);

    public SassListing(string disassembly)
    {
        string? pendingLabel = null;
        foreach (var line in disassembly.Split('\n'))
        {
            if (LabelLine().Match(line) is { Success: true } label)
            {
                pendingLabel = label.Groups["name"].Value;
                continue;
            }
            if (InstructionLine().Match(line) is not { Success: true } instruction)
            {
                continue;
            }
            var address = int.Parse(instruction.Groups["address"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var opcode = instruction.Groups["opcode"].Value;
            instructions.Add((address, opcode));
            if (pendingLabel is not null)
            {
                labels[pendingLabel] = address;
                pendingLabel = null;
            }
            if (opcode == "BRA" && BranchTarget().Match(line) is { Success: true } target)
            {
                branches.Add((address, target.Groups["name"].Value));
            }
        }
    }

    /// <summary>Every instruction's opcode without its modifiers (FFMA, LDS, LDG, ...), in address order.</summary>
    public IEnumerable<string> Opcodes => instructions.Select(instruction => instruction.Opcode.Split('.')[0]);

    /// <summary>The opcodes of each loop's body (label to backward branch, inclusive), innermost loops first.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Loops() =>
        branches
            .Where(branch => labels.TryGetValue(branch.Target, out var start) && start <= branch.Address)
            .Select(branch => (IReadOnlyList<string>)instructions
                .Where(instruction => instruction.Address >= labels[branch.Target] && instruction.Address <= branch.Address)
                .Select(instruction => instruction.Opcode.Split('.')[0])
                .ToList())
            .OrderBy(body => body.Count)
            .ToList();

    /// <summary>
    /// The main loop of a GEMM: the loop with the most FFMAs, the innermost one of those (a loop around it holds as many
    /// and more besides). Null when the kernel has no loop with an FFMA.
    /// </summary>
    public IReadOnlyList<string>? MainLoop() =>
        Loops().Where(body => body.Contains("FFMA")).OrderByDescending(body => body.Count(opcode => opcode == "FFMA"))
            .ThenBy(body => body.Count).FirstOrDefault();

    // "        /*1960*/                   IMAD R95, R77.reuse, R94.reuse, R90 ;" or "/*20a0*/ @!P3 BRA `(.L_x_15) ;"
    [GeneratedRegex(@"^\s*/\*(?<address>[0-9a-f]{4,})\*/\s+(?:@!?U?P[0-9T]\s+)?(?<opcode>[A-Z][A-Z0-9_.]*)")]
    private static partial Regex InstructionLine();

    [GeneratedRegex(@"^(?<name>\.L_x_\d+):")]
    private static partial Regex LabelLine();

    [GeneratedRegex(@"`\((?<name>\.L_x_\d+)\)")]
    private static partial Regex BranchTarget();
}
