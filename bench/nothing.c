/* bench-nothing: a C program that does nothing, the budget reference for a generator with no entries. */
int main(void)
{
        return 0;
}
