/* SPDX-License-Identifier: MIT */
/*
 * Skerry's capability ABI: what a domain's kernel (the console's vmnix
 * module, libvmk through it) needs to call the vmkernel.  Stable and
 * versioned (SKERRY_ABI_VERSION in platform.h, reported in CPUID leaf
 * 0x40000001); no vmkernel internals.  The invocations themselves (labels,
 * arguments, results) are in invocations.h, generated from
 * hypervisor/abi/invocations.txt.
 *
 * The model is seL4's.  Authority is held as capabilities in a domain's
 * capability space (its cspace: one CNode of 2^radix slots, slot 0 always
 * empty).  A capability names a typed object and carries rights and, for
 * notifications, a badge.  Capabilities are copied, minted with fewer
 * rights, moved, deleted and revoked; revoking one deletes every capability
 * derived from it.  Untyped memory is retyped into objects, each aligned
 * to its size, above the untyped's high-water mark; when that has no room,
 * in the lowest hole that deleted objects left below it (unlike seL4, so
 * that memory a VM gave back serves the next while others run).  UNTYPED
 * info's free_bytes counts what no live object takes.
 *
 * Hypercall convention: VMMCALL (0F 01 D9, always 3 bytes) from CPL 0.
 *   in:  RAX = SK_SYS_INVOKE, RDI = the capability pointer (a slot index in
 *        the caller's cspace), RSI = the message info (label, number of
 *        capability arguments, number of data words), message registers
 *        MR0..MR7 = RDX, R8, R9, R10, R11, R12, R13, R14: first the
 *        capability arguments (cptrs), then the data words.
 *   out: RAX = an error code (SK_OK or SK_E_*), RSI = the message info of
 *        the reply (its length = the number of result words), MR0.. = the
 *        results.  On an error MR0 holds the index of the offending message
 *        register, or SK_NO_DETAIL.  RBX, RCX, RBP, RDI and R15 are kept.
 *   Every invocation checks the capability, its rights and every argument
 *   before it changes anything: an error means nothing changed.
 * CNode invocations name slots of the invoked CNode (dest, slot) and, for
 * copy, mint and move, a source slot in the caller's own cspace (src), so
 * that invoking another domain's CNode hands it a capability (a move into
 * another CNode needs the grant right, as a copy always does).
 * From CPL 3 VMMCALL raises #UD (the VMware backdoor, RAX = its magic, is
 * the one exception).
 */
#ifndef SKERRY_PUBLIC_ABI_H
#define SKERRY_PUBLIC_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

typedef uint64_t sk_cptr_t;
typedef uint64_t sk_word_t;

/* RAX of a hypercall ('SK' and the call). */
#define SK_SYS_INVOKE       0x534B0001u

#define SK_MSG_MAX_REGS     8u

/* Object types (stable numbers). */
enum sk_object_type {
    SK_OBJ_NULL         = 0,   /* an empty slot */
    SK_OBJ_UNTYPED      = 1,   /* 2^size_bits bytes of memory, retyped into objects */
    SK_OBJ_CNODE        = 2,   /* 2^size_bits capability slots */
    SK_OBJ_DOMAIN       = 3,   /* a domain: its nested page tables, ports, MSRs, IRQs */
    SK_OBJ_VCPU         = 4,   /* a virtual CPU of a domain (a world) */
    SK_OBJ_FRAME        = 5,   /* 4 KiB (size_bits 12) or 2 MiB (21) of memory */
    SK_OBJ_NOTIFICATION = 6,   /* a word of signal bits: signal, poll, wait */
    SK_OBJ_IRQ_HANDLER  = 7,   /* one interrupt line (a GSI) */
    SK_OBJ_IOPORTS      = 8,   /* a range of I/O ports */
    SK_OBJ_IOREQ        = 9,   /* an I/O-request channel to a device model */
    SK_OBJ_SYSTEM       = 10,  /* the vmkernel itself: its facts, log and statistics */
    SK_OBJ_NR_TYPES
};
/* "any" in invocations.txt: the invocation is valid on every type. */
#define SK_OBJ_ANY          0xFFu

/* Capability rights; minting can only take some away. */
#define SK_RIGHT_READ       0x1u
#define SK_RIGHT_WRITE      0x2u
#define SK_RIGHT_GRANT      0x4u   /* may be split or passed on */
#define SK_RIGHT_CONTROL    0x8u   /* may change the object's configuration */
#define SK_RIGHTS_ALL       0xFu

/* Error codes (seL4's numbering for the first eleven). */
enum sk_error {
    SK_OK                     = 0,
    SK_E_INVALID_ARGUMENT     = 1,
    SK_E_INVALID_CAPABILITY   = 2,   /* a cptr names an empty slot or the wrong type */
    SK_E_ILLEGAL_OPERATION    = 3,   /* the label is not an invocation of this type */
    SK_E_RANGE                = 4,
    SK_E_ALIGNMENT            = 5,
    SK_E_FAILED_LOOKUP        = 6,   /* a cptr or slot index outside the cspace */
    SK_E_TRUNCATED_MESSAGE    = 7,   /* fewer capabilities or words than the label needs */
    SK_E_DELETE_FIRST         = 8,   /* the destination slot is occupied */
    SK_E_REVOKE_FIRST         = 9,   /* the untyped still has objects carved from it */
    SK_E_NOT_ENOUGH_MEMORY    = 10,
    SK_E_INSUFFICIENT_RIGHTS  = 11,
    SK_E_BUSY                 = 12,  /* the object is in use (a running vCPU, a bound IRQ) */
    SK_E_NOT_PRIVILEGED       = 13,  /* the vmkernel's configuration forbids it (crash_me) */
    SK_E_NO_SYSCALL           = 14,  /* RAX names no system call */
    SK_E_NR_ERRORS
};
#define SK_NO_DETAIL        0xFFFFFFFFFFFFFFFFull

/*
 * The message info word: label in bits 63..12, capability arguments in
 * 11..9, data words in 6..0 (seL4's layout, its capsUnwrapped field
 * unused).
 */
typedef uint64_t sk_msginfo_t;
static inline sk_msginfo_t sk_msginfo_new(uint64_t label, unsigned caps, unsigned length)
{
    return label << 12 | (uint64_t)(caps & 7u) << 9 | (length & 0x7Fu);
}
static inline uint64_t sk_msginfo_label(sk_msginfo_t m)  { return m >> 12; }
static inline unsigned sk_msginfo_caps(sk_msginfo_t m)   { return (unsigned)(m >> 9) & 7u; }
static inline unsigned sk_msginfo_length(sk_msginfo_t m) { return (unsigned)m & 0x7Fu; }

/* Domain 0's cspace at boot: these slots, then what SYSTEM bootinfo lists. */
#define SK_CAP_NULL         0u     /* always empty */
#define SK_CAP_SELF_CNODE   1u     /* its own cspace */
#define SK_CAP_SELF_DOMAIN  2u     /* its own domain (read, control: map frames into itself) */
#define SK_CAP_SYSTEM       3u     /* the vmkernel's facts, log and crash dump */
#define SK_CAP_FIRST_BOOT   4u     /* untyped, I/O ports, IRQ handlers follow */
#define SK_DOM0_CSPACE_BITS 12u    /* 4096 slots */

/* vCPU register numbers (VCPU read_reg/write_reg). */
enum sk_vcpu_reg {
    SK_REG_RAX, SK_REG_RCX, SK_REG_RDX, SK_REG_RBX, SK_REG_RSP, SK_REG_RBP, SK_REG_RSI, SK_REG_RDI,
    SK_REG_R8, SK_REG_R9, SK_REG_R10, SK_REG_R11, SK_REG_R12, SK_REG_R13, SK_REG_R14, SK_REG_R15,
    SK_REG_RIP, SK_REG_RFLAGS, SK_REG_CR0, SK_REG_CR3, SK_REG_CR4, SK_REG_EFER,
    SK_REG_NR
};

/* VCPU inject: the event type (as SVM's EVENTINJ). */
#define SK_EVENT_EXTINT     0u
#define SK_EVENT_NMI        2u
#define SK_EVENT_EXCEPTION  3u

/* DOMAIN info: state. */
#define SK_STATE_STOPPED    0u
#define SK_STATE_RUNNING    1u
#define SK_STATE_DYING      2u

/*
 * SYSTEM facts.  info: mem_total is the machine's usable memory and
 * mem_free what the vmkernel's own allocator has free (its pool, less the
 * untyped memory it handed out), both in bytes.  world_info(i) and
 * domain_info(i): the i-th live world or domain, SK_E_RANGE past the last
 * (the list can change between calls).  irq_info(i): interrupt line (GSI)
 * i, the interrupts taken on it, and the vmkernel's vector for it, 0 when
 * the vmkernel keeps the line.  log_read(seq): the log ring from byte seq;
 * the reply's next - len > seq when older bytes were dropped first.
 *
 * SYSTEM world_info: state.
 */
#define SK_WORLD_READY      0u     /* runnable, waiting for a CPU */
#define SK_WORLD_RUNNING    1u
#define SK_WORLD_WAITING    2u     /* halted with interrupts on, or in a wait */
#define SK_WORLD_HALTED     3u     /* halted with interrupts off, or not started */
#define SK_WORLD_DEAD       4u
#define SK_WORLD_STOPPED    5u     /* stopped by VCPU stop */
#define SK_NO_CPU           0xFFFFFFFFFFFFFFFFull

/* SYSTEM log_read and dump_read: up to SK_LOG_READ_MAX bytes in b0..b5,
 * little-endian.  dump_info: the previous boot's purple-screen dump (len 0:
 * none); dump_clear forgets it; crash_me (only with the vmkernel's
 * allow_test_panic option) ends in a purple screen, for testing. */
#define SK_LOG_READ_MAX     48u

/*
 * Building a domain: retype untyped into a DOMAIN and VCPUs (size_bits 0;
 * 4 KiB of untyped each), bind the vCPUs in order (index 0, 1, ...), map
 * frames (DOMAIN map_frame: rights SK_RIGHT_READ, optionally
 * SK_RIGHT_WRITE; the address aligned to the frame's size and below
 * 0xFEC00000; each frame capability maps once, so copy it to map it
 * twice; in an identity-mapped domain such as the console a frame maps at
 * its own physical address), set the registers (VCPU write_reg: the
 * general registers, RIP, RFLAGS; VCPU long_mode: 64-bit mode at entry
 * with paging at cr3 and flat CS 0x10, DS 0x18 from the GDT), then VCPU
 * start.  Deleting the last capability to a domain (or DOMAIN destroy)
 * ends it.
 *
 * DOMAIN set_irq_line(gsi, level): a device model drives an interrupt
 * line of a capability-built domain's I/O APIC, as a device's wire would:
 * level 1 asserts it, 0 deasserts it (an edge-triggered pin takes the
 * rising edge, a level-triggered one interrupts again after EOI while it
 * stays asserted).  SK_E_RANGE: gsi past the device lines (0..23);
 * SK_E_BUSY: the line is a machine line assigned to the domain.
 *
 * DOMAIN send_msi(address, data): a device model's message-signalled
 * interrupt, the write a PCI function's MSI capability makes: address
 * 0xFEExxxxx names the destination (bits 19:12 an APIC ID, or a logical
 * one with bit 2), data its vector (bits 7:0) and delivery mode (bits
 * 10:8: fixed, lowest priority or NMI), edge-triggered.  SK_E_INVALID_ARGUMENT:
 * an address outside the local APICs' window (0), another delivery mode
 * or a vector below 16 (1).  A message no local APIC accepts is dropped,
 * as on a real bus.
 *
 * DOMAIN assign_irq(irq_handler, grant right): the line's interrupts go to
 * the domain's I/O APIC pin of that number (as it programs it) instead of
 * the console's; assigned to the console's own domain it comes back, as
 * it does when the domain ends.  SK_E_BUSY: the line is bound to a
 * notification or another domain's.
 *
 * IRQ handlers: the console gets one capability per interrupt line (GSI)
 * it owns (SYSTEM bootinfo irq_first, irq_count).  IRQ_HANDLER bind
 * (notification, write right) sends the line's interrupts to the
 * notification instead of the console's I/O APIC, each signalling the
 * notification capability's badge or, without one, bit (1 << gsi % 64);
 * the line is programmed edge-triggered active high below GSI 16 and
 * level-triggered active low from 16.  A level-triggered line stays
 * masked after each interrupt until IRQ_HANDLER ack.  When the
 * notification goes, the line goes back to the console.  info: the GSI
 * and the interrupts taken on it.
 */

/*
 * DOMAIN grant_ioports: the domain reaches the capability's ports directly
 * (it needs the grant right) until that capability is deleted; each
 * capability grants once (copy it to grant it twice).  grant_msr: rights
 * SK_RIGHT_READ passes the MSR's reads through, 0 traps them again; only
 * counters may be passed (TSC 0x10, MPERF 0xE7, APERF 0xE8), never writes.
 * Both only for a domain built through capabilities.
 *
 * VCPU start_ap starts an application processor the way a PC's do: the
 * vCPU (not vCPU 0) waits for an INIT and a STARTUP IPI from another vCPU
 * of its domain, and then runs in real mode at the SIPI's vector * 4 KiB,
 * as an OS's SMP boot expects.  SK_E_INVALID_ARGUMENT for vCPU 0,
 * SK_E_BUSY for a vCPU started already.
 *
 * VCPU stop takes a started vCPU off the CPUs (SYSTEM world_info shows
 * SK_WORLD_STOPPED once it is off); start runs it again.  While it is
 * off its CPU (or not started yet) read_reg, write_reg, long_mode and an
 * exception inject (type SK_EVENT_EXCEPTION, vector 0-31 but 2, 9, 15,
 * 22-27, 31; an error code only for those that push one) work; on a
 * running vCPU they fail with SK_E_BUSY.
 */

/*
 * I/O-request channels (SK_OBJ_IOREQ, retyped with size_bits 0 from 8 KiB
 * of untyped): how a device model in another domain (vmware-vmx in the
 * console) serves a domain's port and MMIO accesses, in the shape of Xen's
 * ioreq servers.  IOREQ bind names the domain served and the notification
 * to signal; add_range claims ports (space SK_IOREQ_PIO, first + count <=
 * 0x10000) or guest-physical addresses not backed by RAM (SK_IOREQ_MMIO,
 * below 0xFEC00000 or from 4 GiB, page-aligned).  A vCPU's access to a
 * claimed range fills its slot (struct sk_ioreq, slot = vCPU index) of the
 * channel's shared page, signals bit (1 << vCPU index) on the
 * notification, and blocks the vCPU.  The model reads the slot, puts a
 * read's result in data, and invokes IOREQ complete(vcpu); the vCPU then
 * finishes its instruction.  An access no channel claims behaves as
 * unassigned (reads all ones, writes dropped).  The shared page is mapped
 * like a frame: DOMAIN map_frame with the IOREQ capability (read and
 * write); IOREQ info gives its physical address.
 *
 * Space SK_IOREQ_BACKDOOR claims VMware backdoor commands (first + count
 * <= 0x10000; the command is ECX bits 15:0): a guest's backdoor call with
 * a claimed command (a 4-byte IN or OUT on port 0x5658, from any CPL, or
 * VMMCALL with the magic in EAX) comes to the model instead of the
 * vmkernel's own backdoor.  The slot's addr is the command, size 4, dir
 * SK_IOREQ_READ, and regs[] holds EAX, EBX, ECX, EDX, ESI and EDI; the
 * model leaves the call's results in regs[] before complete, and the vCPU
 * continues with them (zero-extended) in those six registers.
 */
/*
 * NOTIFICATION bind_line(gsi): a signal pulses one of the calling domain's
 * event lines, interrupt lines of its I/O APIC that no device has
 * (GSI SK_EVENT_GSI_FIRST.. SK_EVENT_GSI_FIRST + SK_EVENT_GSI_COUNT - 1,
 * edge-triggered, active high), so that an OS takes it as an ordinary
 * device interrupt (the vmnix module's poll and read).  gsi 0 unbinds.
 * Several notifications may share a line.
 */
#define SK_EVENT_GSI_FIRST  24u
#define SK_EVENT_GSI_COUNT  8u

#define SK_IOREQ_PIO        0u
#define SK_IOREQ_MMIO       1u
#define SK_IOREQ_BACKDOOR   2u     /* VMware backdoor commands (ABI 0.6) */
#define SK_IOREQ_WRITE      0u
#define SK_IOREQ_READ       1u
#define SK_IOREQ_IDLE       0u
#define SK_IOREQ_PENDING    1u     /* filled in by the vmkernel, waiting for complete */
#define SK_IOREQ_MAX_RANGES 16u

struct sk_ioreq {
    uint64_t addr;                 /* port, or guest-physical address */
    uint64_t data;                 /* a write's value; a read's result, from the model */
    uint32_t state;                /* SK_IOREQ_IDLE or SK_IOREQ_PENDING */
    uint8_t space;                 /* SK_IOREQ_PIO or SK_IOREQ_MMIO */
    uint8_t dir;                   /* SK_IOREQ_WRITE or SK_IOREQ_READ */
    uint8_t size;                  /* 1, 2, 4 or 8 bytes */
    uint8_t vcpu;
    uint64_t seq;                  /* counts this slot's requests */
    uint32_t regs[6];              /* SK_IOREQ_BACKDOOR: EAX, EBX, ECX, EDX, ESI, EDI in and out */
    uint32_t reserved[2];
};
enum { SK_BDOOR_EAX, SK_BDOOR_EBX, SK_BDOOR_ECX, SK_BDOOR_EDX, SK_BDOOR_ESI, SK_BDOOR_EDI, SK_BDOOR_NR_REGS };
#define SK_IOREQ_SLOTS      64u    /* struct sk_ioreq slot[64]: the shared page */

_Static_assert(sizeof(sk_cptr_t) == 8 && sizeof(sk_msginfo_t) == 8, "64-bit ABI words");
_Static_assert(SK_OBJ_NR_TYPES <= 16, "object types fit a nibble");
_Static_assert(SK_E_NR_ERRORS < 64, "error codes are small");
_Static_assert(sizeof(struct sk_ioreq) == 64, "an I/O request is 64 bytes");
_Static_assert(SK_IOREQ_SLOTS * sizeof(struct sk_ioreq) == 4096, "the slots fill the shared page");

#endif
