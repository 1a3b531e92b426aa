using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

/// <summary>An owned struct nft_ctx*; freeing it also closes its netlink socket.</summary>
internal sealed class NftablesContextHandle : SafeHandle
{
    public NftablesContextHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        LibNftables.CtxFree(handle);
        return true;
    }
}
