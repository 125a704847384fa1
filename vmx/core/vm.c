/* SPDX-License-Identifier: GPL-2.0-only */
/* A VM's domain, RAM, vCPUs and I/O-request channel through libvmk (vm.h). */
#define _GNU_SOURCE
#include "vm.h"
#include "errmsg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "vmk.h"

#define FRAME_BITS 21
#define FRAME_SIZE (1ull << FRAME_BITS)
#define OBJECTS_BITS 20                 /* the domain, vCPUs, notification and channel */
#define MAX_CHUNK_BITS 30               /* RAM comes in child untypeds of at most 1 GiB */

static unsigned floor_log2(uint64_t v)
{
    unsigned b = 0;
    while (v >>= 1)
        b++;
    return b;
}

/*
 * One chunk of 2^bits bytes of RAM at gpa: a child untyped retyped into
 * 2 MiB frames (physically contiguous), each mapped into the guest, and a
 * copy of each into the console so this process can map the chunk.
 */
static long map_chunk(struct vm *vm, uint64_t gpa, unsigned bits, const char **what)
{
    unsigned n = 1u << (bits - FRAME_BITS);
    sk_cptr_t frames, copies;
    *what = "retype the VM's RAM into 2 MB frames";
    long e = vm_caps_retype(&vm->caps, SK_OBJ_FRAME, FRAME_BITS, n, &frames);
    if (e != SK_OK)
        return e;
    struct sk_frame_info_result fi;
    *what = "find the frames' address";
    if ((e = sk_frame_info(frames, &fi)) != SK_OK)
        return e;
    *what = "find slots for the console's copies of the frames";
    if (!(copies = vm_caps_free_slots(&vm->caps, n)))
        return SK_E_NOT_ENOUGH_MEMORY;
    for (unsigned k = 0; k < n; k++) {
        *what = "map a frame into the guest";
        e = sk_domain_map_frame(vm->dom, frames + k, gpa + k * FRAME_SIZE, SK_RIGHT_READ | SK_RIGHT_WRITE);
        if (e == SK_OK) {
            *what = "copy a frame's capability";
            e = sk_cnode_copy(SK_CAP_SELF_CNODE, copies + k, frames + k);
        }
        if (e == SK_OK) {
            *what = "map a frame into the console";
            e = sk_domain_map_frame(SK_CAP_SELF_DOMAIN, copies + k, fi.phys + k * FRAME_SIZE,
                                    SK_RIGHT_READ | SK_RIGHT_WRITE);
        }
        if (e != SK_OK)
            return e;
    }
    *what = "map the guest's RAM into vmware-vmx";
    if (!vmk_map_at(vm->ram + gpa, fi.phys, (size_t)1 << bits))
        return -errno;
    return SK_OK;
}

/* The RAM, largest chunks first; a chunk no boot untyped has room for is
 * taken in two halves, down to 2 MiB. */
static int make_ram(struct vm *vm, char *err, size_t errlen)
{
    uint64_t free = vm_caps_free_bytes();
    if (free < vm->ram_size)
        return errmsg(err, errlen, "no room for the VM's %llu MB of RAM in the console's untyped memory (%llu MB "
                      "free)", (unsigned long long)(vm->ram_size >> 20), (unsigned long long)(free >> 20));
    void *view = mmap(NULL, vm->ram_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (view == MAP_FAILED)
        return errmsg(err, errlen, "no address space for %llu MB of guest RAM: %s",
                    (unsigned long long)(vm->ram_size >> 20), strerror(errno));
    vm->ram = view;
    uint64_t gpa = 0;
    while (gpa < vm->ram_size) {
        unsigned bits = floor_log2(vm->ram_size - gpa);
        if (bits > MAX_CHUNK_BITS)
            bits = MAX_CHUNK_BITS;
        long e;
        while ((e = vm_caps_add_untyped(&vm->caps, bits)) == SK_E_NOT_ENOUGH_MEMORY && bits > FRAME_BITS)
            bits--;
        if (e != SK_OK)
            return errmsg(err, errlen, "no room for the VM's %llu MB of RAM in the console's untyped memory "
                        "(%llu MB found before it ran out): %s", (unsigned long long)(vm->ram_size >> 20),
                        (unsigned long long)(gpa >> 20), vmk_strerror(e));
        const char *what = "";
        if ((e = map_chunk(vm, gpa, bits, &what)) != SK_OK)
            return errmsg(err, errlen, "could not %s: %s", what, vmk_strerror(e));
        gpa += 1ull << bits;
    }
    return 0;
}

static int make_objects(struct vm *vm, const char *name, char *err, size_t errlen)
{
    long e = vm_caps_add_untyped(&vm->caps, OBJECTS_BITS);
    const char *what = "take 1 MB of untyped memory for the VM's objects";
    if (e == SK_OK) {
        what = "make the domain";
        e = vm_caps_retype(&vm->caps, SK_OBJ_DOMAIN, 0, 1, &vm->dom);
    }
    if (e == SK_OK) {
        char n[32] = { 0 };
        sk_word_t w[4];
        snprintf(n, sizeof n, "%s", name);
        memcpy(w, n, sizeof w);
        what = "name the domain";
        e = sk_domain_set_name(vm->dom, w[0], w[1], w[2], w[3]);
    }
    struct sk_domain_info_result di;
    if (e == SK_OK && (e = sk_domain_info(vm->dom, &di)) == SK_OK)
        vm->dom_id = di.id;
    for (unsigned i = 0; e == SK_OK && i < vm->nr_vcpus; i++) {
        what = "make a vCPU";
        e = vm_caps_retype(&vm->caps, SK_OBJ_VCPU, 0, 1, &vm->vcpu[i]);
        if (e == SK_OK) {
            what = "bind a vCPU to the domain";
            e = sk_vcpu_bind(vm->vcpu[i], vm->dom, i);
        }
    }
    if (e == SK_OK) {
        what = "make the notification";
        e = vm_caps_retype(&vm->caps, SK_OBJ_NOTIFICATION, 0, 1, &vm->ntfn);
    }
    if (e == SK_OK) {
        what = "make the I/O-request channel";
        e = vm_caps_retype(&vm->caps, SK_OBJ_IOREQ, 0, 1, &vm->ioreq);
    }
    if (e == SK_OK) {
        what = "bind the channel to the domain";
        e = sk_ioreq_bind(vm->ioreq, vm->dom, vm->ntfn);
    }
    struct sk_ioreq_info_result ii;
    if (e == SK_OK && (e = sk_ioreq_info(vm->ioreq, &ii)) == SK_OK) {
        vm->ioreq_phys = ii.phys;
        what = "map the channel's page into the console";
        e = sk_domain_map_frame(SK_CAP_SELF_DOMAIN, vm->ioreq, ii.phys, SK_RIGHT_READ | SK_RIGHT_WRITE);
    }
    if (e == SK_OK) {
        what = "watch the notification";
        e = vmk_watch(vm->ntfn);
    }
    if (e != SK_OK)
        return errmsg(err, errlen, "could not %s: %s", what, vmk_strerror(e));
    vm->slots = vmk_map(vm->ioreq_phys, 4096);
    if (!vm->slots)
        return errmsg(err, errlen, "could not map the I/O-request page: %s", strerror(errno));
    return 0;
}

int vm_create(struct vm *vm, const char *name, uint64_t ram_size, unsigned nr_vcpus, char *err, size_t errlen)
{
    memset(vm, 0, sizeof *vm);
    if (nr_vcpus < 1 || nr_vcpus > VM_MAX_VCPUS || ram_size == 0 || ram_size % FRAME_SIZE)
        return errmsg(err, errlen, "a VM needs 1 to %d vCPUs and RAM in 2 MB steps", VM_MAX_VCPUS);
    vm->ram_size = ram_size;
    vm->nr_vcpus = nr_vcpus;
    long e = vm_caps_init(&vm->caps);
    if (e != SK_OK)
        return errmsg(err, errlen, "could not read the console's capabilities: %s", vmk_strerror(e));
    if (make_objects(vm, name, err, errlen) < 0 || make_ram(vm, err, errlen) < 0) {
        vm_destroy(vm);
        return -1;
    }
    return 0;
}

long vm_claim(struct vm *vm, unsigned space, uint64_t first, uint64_t count)
{
    return sk_ioreq_add_range(vm->ioreq, space, first, count);
}

long vm_start(struct vm *vm, uint64_t rip, uint64_t cr3, uint64_t gdt, uint64_t gdt_limit, uint64_t rsi)
{
    long e = SK_OK;
    /* The other vCPUs wait for the guest's INIT and SIPI, as on a PC. */
    for (unsigned i = 1; i < vm->nr_vcpus && e == SK_OK; i++)
        e = sk_vcpu_start_ap(vm->vcpu[i]);
    if (e == SK_OK)
        e = sk_vcpu_long_mode(vm->vcpu[0], rip, cr3, gdt, gdt_limit);
    if (e == SK_OK)
        e = sk_vcpu_write_reg(vm->vcpu[0], SK_REG_RSI, rsi);
    if (e == SK_OK)
        e = sk_vcpu_start(vm->vcpu[0]);
    return e;
}

bool vm_alive(struct vm *vm)
{
    struct sk_domain_info_result di;
    return sk_domain_info(vm->dom, &di) == SK_OK && di.state != SK_STATE_DYING;
}

long vm_set_irq(struct vm *vm, unsigned gsi, bool level)
{
    return sk_domain_set_irq_line(vm->dom, gsi, level);
}

long vm_send_msi(struct vm *vm, uint64_t address, uint32_t data)
{
    return sk_domain_send_msi(vm->dom, address, data);
}

void vm_destroy(struct vm *vm)
{
    if (vm->dom)
        sk_domain_destroy(vm->dom);
    if (vm->slots)
        munmap((void *)vm->slots, 4096);
    if (vm->ram)
        munmap(vm->ram, vm->ram_size);
    vm_caps_release(&vm->caps);         /* the domain, frames and copies go with their untyped */
    vm->slots = NULL;
    vm->ram = NULL;
    vm->dom = 0;
}
