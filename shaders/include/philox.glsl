// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", 2011): the dropout mask's
// generator, a port of src/Kernels/DropoutMask.cs that gives the same bits: counter (counter, step, 0, 0),
// key (seed, stream), ten rounds, the four output words returned. umulExtended gives the 32 x 32 -> 64-bit
// products' high and low words, as (ulong) products do in C#. The conformance suite holds the masks
// to DropoutMask's bit for bit.

const uint PHILOX_MULTIPLIER0 = 0xD2511F53u;
const uint PHILOX_MULTIPLIER1 = 0xCD9E8D57u;
const uint PHILOX_KEY_STEP0 = 0x9E3779B9u;
const uint PHILOX_KEY_STEP1 = 0xBB67AE85u;

uvec4 philox_words(uint counter, uint step_number, uint seed, uint stream)
{
    uint c0 = counter;
    uint c1 = step_number;
    uint c2 = 0u;
    uint c3 = 0u;
    uint k0 = seed;
    uint k1 = stream;
    for (int round = 0; round < 10; round++)
    {
        uint high0;
        uint low0;
        uint high1;
        uint low1;
        umulExtended(PHILOX_MULTIPLIER0, c0, high0, low0);
        umulExtended(PHILOX_MULTIPLIER1, c2, high1, low1);
        uint next0 = high1 ^ c1 ^ k0;
        uint next2 = high0 ^ c3 ^ k1;
        c1 = low1;
        c3 = low0;
        c0 = next0;
        c2 = next2;
        k0 += PHILOX_KEY_STEP0;
        k1 += PHILOX_KEY_STEP1;
    }
    return uvec4(c0, c1, c2, c3);
}

uint philox_first_word(uint counter, uint step_number, uint seed, uint stream)
{
    return philox_words(counter, step_number, seed, stream).x;
}
