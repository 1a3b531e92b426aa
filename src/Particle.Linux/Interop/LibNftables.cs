using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

// libnftables (Debian's libnftables1), the library the nft command itself is built on. Its whole API is a
// handful of calls on one context, so they are declared together here rather than one file per call as
// for libc. Strings it returns are owned by the context: they come back as pointers and are copied, never
// freed (a string return type would make the marshaller free() them).
internal static partial class LibNftables
{
    internal const string Name = "libnftables.so.1";

    // nft_ctx_new(NFT_CTX_DEFAULT): the default include path and, in 1.0.x, the netlink socket.
    internal const uint NFT_CTX_DEFAULT = 0;

    // enum nft_output_flags in nftables/libnftables.h.
    internal const uint NFT_CTX_OUTPUT_JSON = 1 << 4;

    [LibraryImport(Name, EntryPoint = "nft_ctx_new")]
    internal static partial NftablesContextHandle CtxNew(uint flags);

    [LibraryImport(Name, EntryPoint = "nft_ctx_free")]
    internal static partial void CtxFree(nint ctx);

    [LibraryImport(Name, EntryPoint = "nft_ctx_buffer_output")]
    internal static partial int CtxBufferOutput(NftablesContextHandle ctx);

    [LibraryImport(Name, EntryPoint = "nft_ctx_buffer_error")]
    internal static partial int CtxBufferError(NftablesContextHandle ctx);

    // Both getters return the text buffered since the previous call and start a new buffer.
    [LibraryImport(Name, EntryPoint = "nft_ctx_get_output_buffer")]
    internal static partial nint CtxGetOutputBuffer(NftablesContextHandle ctx);

    [LibraryImport(Name, EntryPoint = "nft_ctx_get_error_buffer")]
    internal static partial nint CtxGetErrorBuffer(NftablesContextHandle ctx);

    [LibraryImport(Name, EntryPoint = "nft_ctx_output_get_flags")]
    internal static partial uint CtxOutputGetFlags(NftablesContextHandle ctx);

    [LibraryImport(Name, EntryPoint = "nft_ctx_output_set_flags")]
    internal static partial void CtxOutputSetFlags(NftablesContextHandle ctx, uint flags);

    // 0 on success. The whole buffer is parsed, evaluated and sent as one nf_tables batch.
    [LibraryImport(Name, EntryPoint = "nft_run_cmd_from_buffer", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int RunCmdFromBuffer(NftablesContextHandle ctx, string buffer);
}
