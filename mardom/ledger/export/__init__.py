"""Exports of the books to other formats (beancount), for audit with tools that owe us nothing."""
