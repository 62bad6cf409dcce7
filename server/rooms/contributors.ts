/**
 * Who contributed to a pending broadcast. When it is one member, that member already has what is
 * broadcast and gets no copy; once several did (or the server did, e.g. a removal), everyone does.
 */
export class Contributors<Member> {
  private only: Member | null = null;
  private several = false;

  /** Notes a contribution by `member`, or by the server for null. */
  add(member: Member | null): void {
    if (this.several) return;
    if (member !== null && (this.only === null || this.only === member)) this.only = member;
    else {
      this.only = null;
      this.several = true;
    }
  }

  /** The member that may skip the broadcast (null: nobody), and a fresh start. */
  take(): Member | null {
    const skip = this.several ? null : this.only;
    this.only = null;
    this.several = false;
    return skip;
  }
}
