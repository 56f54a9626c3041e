using Crm.Modules.Permissions.Departments;
using Crm.Modules.Permissions.Groups;
using Crm.Modules.Permissions.Preferences;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.Roles;
using Crm.Modules.Permissions.SignIn;
using Crm.Modules.Permissions.Users;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Data;

public sealed class PermissionsDbContext(DbContextOptions<PermissionsDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => PermissionsModule.Id;

    public DbSet<User> Users => Set<User>();

    public DbSet<UserDepartment> UserDepartments => Set<UserDepartment>();

    public DbSet<Department> Departments => Set<Department>();

    public DbSet<Group> Groups => Set<Group>();

    public DbSet<GroupMember> GroupMembers => Set<GroupMember>();

    public DbSet<Role> Roles => Set<Role>();

    public DbSet<RolePermission> RolePermissions => Set<RolePermission>();

    public DbSet<RoleAssignment> RoleAssignments => Set<RoleAssignment>();

    public DbSet<Session> Sessions => Set<Session>();

    public DbSet<RotatedTokens> RotatedTokens => Set<RotatedTokens>();

    public DbSet<LoginFailure> LoginFailures => Set<LoginFailure>();

    public DbSet<PermissionsVersion> Versions => Set<PermissionsVersion>();

    public DbSet<UserPreference> Preferences => Set<UserPreference>();

    /// <summary>Bumps the rights version (and, when sessions were revoked, the sessions version) within the caller's transaction.</summary>
    public Task<int> BumpVersionAsync(bool sessionsRevoked, CancellationToken cancellationToken) =>
        sessionsRevoked
            ? Versions.Where(v => v.Id == 1).ExecuteUpdateAsync(v => v
                .SetProperty(x => x.Version, x => x.Version + 1)
                .SetProperty(x => x.SessionsVersion, x => x.SessionsVersion + 1), cancellationToken)
            : Versions.Where(v => v.Id == 1).ExecuteUpdateAsync(v => v.SetProperty(x => x.Version, x => x.Version + 1), cancellationToken);

    /// <summary>Bumps only the sessions version (a logout or a refresh revokes tokens, rights stay).</summary>
    public Task<int> BumpSessionsVersionAsync(CancellationToken cancellationToken) =>
        Versions.Where(v => v.Id == 1).ExecuteUpdateAsync(v => v.SetProperty(x => x.SessionsVersion, x => x.SessionsVersion + 1), cancellationToken);

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserPreference>(preference =>
        {
            preference.ToTable("user_preferences");
            preference.HasKey(p => new { p.UserId, p.Key });
            preference.Property(p => p.Key).HasMaxLength(MyPreferences.MaxKeyLength);
            // A user's preferences go with the user.
            preference.HasOne<User>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("users");
            user.HasKey(u => u.Id);
            // User 1 is seeded; PostgreSQL's identity must not hand out its id again.
            user.Property(u => u.Id).HasIdentityOptions(startValue: 2);
            user.Property(u => u.Email).HasMaxLength(254);
            user.Property(u => u.NormalizedEmail).HasMaxLength(254);
            user.HasIndex(u => u.NormalizedEmail).IsUnique();
            user.Property(u => u.PasswordHash).HasMaxLength(255);
            user.Property(u => u.Name).HasMaxLength(255);
            user.Property(u => u.LastName).HasMaxLength(255);
            user.Property(u => u.TimeZone).HasMaxLength(64);
            user.Property(u => u.Language).HasMaxLength(16);
            user.Property(u => u.Kind).HasConversion<string>().HasMaxLength(16);
            user.HasData(new User
            {
                Id = User.BootstrapAdministratorId,
                Email = "admin@localhost",
                NormalizedEmail = "admin@localhost",
                Name = "Administrator",
                Active = true,
                TimeZone = "UTC",
                Language = "en",
                Kind = UserKind.Person,
                IsAdministrator = true,
                CreatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
                UpdatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            });
        });
        modelBuilder.Entity<UserDepartment>(member =>
        {
            member.ToTable("user_departments");
            member.HasKey(m => new { m.UserId, m.DepartmentId });
            member.HasIndex(m => m.DepartmentId);
            member.HasOne<User>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
            member.HasOne<Department>().WithMany().HasForeignKey(m => m.DepartmentId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Department>(department =>
        {
            department.ToTable("departments");
            department.HasKey(d => d.Id);
            department.Property(d => d.Name).HasMaxLength(255);
            department.HasIndex(d => d.ParentId);
            department.HasOne<Department>().WithMany().HasForeignKey(d => d.ParentId).OnDelete(DeleteBehavior.Restrict);
            department.HasOne<User>().WithMany().HasForeignKey(d => d.HeadId).OnDelete(DeleteBehavior.SetNull);
        });
        modelBuilder.Entity<Group>(group =>
        {
            group.ToTable("groups");
            group.HasKey(g => g.Id);
            group.Property(g => g.Name).HasMaxLength(255);
        });
        modelBuilder.Entity<GroupMember>(member =>
        {
            member.ToTable("group_members");
            member.HasKey(m => new { m.GroupId, m.UserId });
            member.HasIndex(m => m.UserId);
            member.HasOne<Group>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
            member.HasOne<User>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Role>(role =>
        {
            role.ToTable("roles");
            role.HasKey(r => r.Id);
            role.Property(r => r.Name).HasMaxLength(255);
            role.HasIndex(r => r.Name).IsUnique();
            role.Property(r => r.IntegrationTypes).HasMaxLength(8000);
        });
        modelBuilder.Entity<RolePermission>(permission =>
        {
            permission.ToTable("role_permissions");
            permission.HasKey(p => p.Id);
            permission.Property(p => p.EntityType).HasMaxLength(64);
            permission.Property(p => p.Partition).HasMaxLength(64);
            // By name (READ, ACCEPT): actions are open-ended, as record types declare their own.
            permission.Property(p => p.Action).HasConversion(a => a.Name, name => new PermissionAction(name)).HasMaxLength(PermissionAction.MaxNameLength);
            permission.Property(p => p.Level).HasConversion<string>().HasMaxLength(16);
            permission.HasIndex(p => p.RoleId);
            permission.HasOne<Role>().WithMany().HasForeignKey(p => p.RoleId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RoleAssignment>(assignment =>
        {
            assignment.ToTable("role_assignments", t => t.HasCheckConstraint("ck_role_assignments_one_holder",
                "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN department_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1"));
            assignment.HasKey(a => a.Id);
            assignment.HasIndex(a => a.RoleId);
            assignment.HasIndex(a => a.UserId);
            assignment.HasIndex(a => a.DepartmentId);
            assignment.HasIndex(a => a.GroupId);
            assignment.HasOne<Role>().WithMany().HasForeignKey(a => a.RoleId).OnDelete(DeleteBehavior.Cascade);
            assignment.HasOne<User>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
            assignment.HasOne<Department>().WithMany().HasForeignKey(a => a.DepartmentId).OnDelete(DeleteBehavior.Cascade);
            assignment.HasOne<Group>().WithMany().HasForeignKey(a => a.GroupId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Session>(session =>
        {
            session.ToTable("sessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.AccessTokenHash).HasMaxLength(64);
            session.Property(s => s.RefreshTokenHash).HasMaxLength(64);
            session.Property(s => s.EndReason).HasMaxLength(32);
            session.HasIndex(s => s.AccessTokenHash).IsUnique();
            session.HasIndex(s => s.RefreshTokenHash).IsUnique();
            session.HasIndex(s => s.UserId);
            session.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RotatedTokens>(rotated =>
        {
            rotated.ToTable("rotated_tokens");
            rotated.HasKey(r => r.Id);
            rotated.Property(r => r.AccessTokenHash).HasMaxLength(64);
            rotated.Property(r => r.RefreshTokenHash).HasMaxLength(64);
            rotated.HasIndex(r => r.AccessTokenHash).IsUnique();
            rotated.HasIndex(r => r.RefreshTokenHash).IsUnique();
            rotated.HasIndex(r => r.SessionId);
            rotated.HasIndex(r => r.RefreshExpiresAt);
            rotated.HasOne<Session>().WithMany().HasForeignKey(r => r.SessionId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<LoginFailure>(failure =>
        {
            failure.ToTable("login_failures");
            failure.HasKey(f => f.Id);
            failure.Property(f => f.Email).HasMaxLength(254);
            failure.Property(f => f.ClientAddress).HasMaxLength(64);
            failure.HasIndex(f => f.FailedAt);
            failure.HasIndex(f => new { f.Email, f.FailedAt });
        });
        modelBuilder.Entity<PermissionsVersion>(version =>
        {
            version.ToTable("permissions_version");
            version.HasKey(v => v.Id);
            version.Property(v => v.Id).ValueGeneratedNever();
            version.HasData(new PermissionsVersion { Id = 1, Version = 1, SessionsVersion = 1 });
        });
    }
}

public sealed class PermissionsDesignTimeFactory() : ModuleDesignTimeFactory<PermissionsDbContext>(PermissionsModule.Id);
