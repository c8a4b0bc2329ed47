/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KT_DEP_H
#define KT_DEP_H

/* Exported by kt_dep_provider; kt_dep_user depends on it. */
int kt_dep_value(void);

#endif /* KT_DEP_H */
