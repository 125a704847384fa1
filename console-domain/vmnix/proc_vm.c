// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/vmware/vm/<id>/names, one directory per domain there is: checked
 * against the vmkernel's domain list when the module loads and then every
 * second, so a VM powered on or off appears or goes within a second (as
 * ESX's entries follow its worlds).  names is asked afresh at each read.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include "vmnix.h"

#define REFRESH_INTERVAL HZ

static struct proc_dir_entry *vm_dir;
static struct {
    u64 id;
    struct proc_dir_entry *dir;  /* NULL: a free entry */
} entries[VMNIX_MAX_DOMAINS];

static int names_show(struct seq_file *m, void *v)
{
    u64 id = (u64)(uintptr_t)m->private;
    struct vmnix_domain *d;
    int nd, i;

    d = vmnix_domain_table_for(m, &nd);
    if (!d)
        return 0;
    for (i = 0; i < nd && d[i].id != id; i++)
        ;
    if (i < nd)
        seq_printf(m, "vmid=%llu pid=-1 cfgFile=\"\" uuid=\"\" displayName=\"%s\"\n", id, d[i].name);
    else
        seq_printf(m, "vmid=%llu: the domain is gone\n", id);
    kfree(d);
    return 0;
}

static bool listed(const struct vmnix_domain *d, int nd, u64 id)
{
    int i;

    for (i = 0; i < nd; i++)
        if (d[i].id == id)
            return true;
    return false;
}

static void add_entry(u64 id)
{
    char name[24];
    int i, free_slot = -1;

    for (i = 0; i < VMNIX_MAX_DOMAINS; i++) {
        if (entries[i].dir && entries[i].id == id)
            return;
        if (!entries[i].dir && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0)
        return;
    snprintf(name, sizeof(name), "%llu", id);
    entries[free_slot].dir = proc_mkdir(name, vm_dir);
    entries[free_slot].id = id;
    if (!entries[free_slot].dir ||
        !proc_create_single_data("names", 0444, entries[free_slot].dir, names_show, (void *)(uintptr_t)id)) {
        pr_warn("vmnix: cannot create /proc/vmware/vm/%s/names\n", name);
        proc_remove(entries[free_slot].dir);
        entries[free_slot].dir = NULL;
    }
}

/* Entries for the domains there are, none for those gone. */
static void refresh(void)
{
    struct vmnix_domain *d;
    int nd, i;
    long err;

    d = vmnix_domain_table(&nd, &err);
    if (!d || err != SK_OK) {
        kfree(d);
        return;                      /* no answer: keep what there is */
    }
    for (i = 0; i < VMNIX_MAX_DOMAINS; i++)
        if (entries[i].dir && !listed(d, nd, entries[i].id)) {
            proc_remove(entries[i].dir);
            entries[i].dir = NULL;
        }
    for (i = 0; i < nd; i++)
        add_entry(d[i].id);
    kfree(d);
}

static void refresh_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(refresh_work, refresh_work_fn);

static void refresh_work_fn(struct work_struct *work)
{
    refresh();
    schedule_delayed_work(&refresh_work, REFRESH_INTERVAL);
}

void vmnix_proc_vm_init(struct proc_dir_entry *vm)
{
    vm_dir = vm;
    refresh();
    if (vmnix_state == VMNIX_READY)
        schedule_delayed_work(&refresh_work, REFRESH_INTERVAL);
}

void vmnix_proc_vm_exit(void)
{
    cancel_delayed_work_sync(&refresh_work);
}
